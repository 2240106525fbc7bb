import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Latency } from '../../src/sandbox/core/timing.js';
import { assertShape, startProxmox, TEMPLATE, TOKEN_ID, type Sandbox } from './proxmox-harness.js';

const createBody = (vmid: number, extra: Record<string, string | number | boolean> = {}) => ({
  vmid,
  ostemplate: TEMPLATE,
  hostname: `site${vmid}.nodepoint.eu`,
  memory: 2048,
  swap: 512,
  cores: 2,
  rootfs: 'drbd:20',
  net0: `name=eth0,bridge=vmbr1,ip=127.0.10.${vmid % 200}/24,gw=127.0.10.1`,
  unprivileged: 1,
  password: 'secret-pass',
  'ssh-public-keys': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBx provisiond',
  features: 'nesting=1',
  tags: 'provisiond;wordpress',
  onboot: 1,
  ...extra,
});

describe('the Proxmox simulator runs a container through its whole life', () => {
  let pve: Sandbox;
  let clock = 1_750_000_000_000;
  before(async () => {
    pve = await startProxmox({ now: () => clock });
  });
  after(() => pve.close());

  it('creates, starts, snapshots, rolls back and destroys a container', async () => {
    const nextid = await pve.ok('GET', '/cluster/nextid');
    assertShape('GET', '/cluster/nextid', nextid);
    const vmid = Number(nextid);
    assert.equal(vmid, 100);

    const upid = (await pve.ok('POST', '/nodes/node2/lxc', { body: createBody(vmid) })) as string;
    assertShape('POST', '/nodes/{node}/lxc', upid);
    assert.match(upid, new RegExp(`^UPID:node2:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:vzcreate:${vmid}:provisiond@pve!daemon:$`));
    const created = await pve.waitTask(upid);
    assertShape('GET', '/nodes/{node}/tasks/{upid}/status', created);
    assert.equal(created.exitstatus, 'OK');
    assert.equal(created.user, TOKEN_ID);

    const world = pve.world.containers.get(vmid);
    assert.ok(world !== undefined);
    assert.deepEqual([world.node, world.status, world.ip, world.hostname], ['node2', 'stopped', `127.0.10.${vmid % 200}`, `site${vmid}.nodepoint.eu`]);

    const config = (await pve.ok('GET', `/nodes/node2/lxc/${vmid}/config`)) as Record<string, unknown>;
    assertShape('GET', '/nodes/{node}/lxc/{vmid}/config', config);
    assert.equal(config.memory, 2048);
    assert.equal(config.unprivileged, 1);
    assert.equal(config.rootfs, `drbd:vm-${vmid}-disk-0,size=20G`);
    assert.match(String(config.net0), /^name=eth0,bridge=vmbr1,gw=127\.0\.10\.1,hwaddr=BC:24:11:[0-9A-F:]{8},ip=127\.0\.10\.\d+\/24,type=veth$/);
    assert.equal(config.password, undefined);
    assert.equal(config['ssh-public-keys'], undefined);
    assert.equal(config.lock, undefined);

    await pve.ok('PUT', `/nodes/node2/lxc/${vmid}/config`, { body: { memory: 4096, description: 'customer site', tags: 'wordpress;provisiond;basic' } });
    const updated = (await pve.ok('GET', `/nodes/node2/lxc/${vmid}/config`)) as Record<string, unknown>;
    assert.equal(updated.memory, 4096);
    assert.equal(updated.tags, 'basic;provisiond;wordpress');

    const started = await pve.waitTask((await pve.ok('POST', `/nodes/node2/lxc/${vmid}/status/start`)) as string);
    assert.deepEqual([started.type, started.exitstatus], ['vzstart', 'OK']);
    assert.equal(pve.world.containers.get(vmid)?.status, 'running');

    const status = (await pve.ok('GET', `/nodes/node2/lxc/${vmid}/status/current`)) as Record<string, number | string | object>;
    assertShape('GET', '/nodes/{node}/lxc/{vmid}/status/current', status);
    assert.equal(status.status, 'running');
    assert.equal(status.maxmem, 4096 * 2 ** 20);
    assert.equal(status.maxdisk, 20 * 2 ** 30);
    assert.ok(Number(status.mem) > 0 && Number(status.mem) < Number(status.maxmem));
    assert.deepEqual(status.ha, { managed: 0 });
    clock += 42_000;
    const later = (await pve.ok('GET', `/nodes/node2/lxc/${vmid}/status/current`)) as Record<string, number>;
    assert.equal(later.uptime, Number(status.uptime) + 42);
    assert.ok(Number(later.netin) > Number(status.netin));

    const resources = (await pve.ok('GET', '/cluster/resources', { query: { type: 'vm' } })) as Record<string, unknown>[];
    assertShape('GET', '/cluster/resources', resources);
    assert.deepEqual(
      resources.map((r) => [r.id, r.vmid, r.node, r.status, r.tags]),
      [[`lxc/${vmid}`, vmid, 'node2', 'running', 'basic;provisiond;wordpress']],
    );

    const snap = await pve.waitTask((await pve.ok('POST', `/nodes/node2/lxc/${vmid}/snapshot`, { body: { snapname: 'initial', description: 'fresh install' } })) as string);
    assert.equal(snap.exitstatus, 'OK');
    const snapshots = (await pve.ok('GET', `/nodes/node2/lxc/${vmid}/snapshot`)) as Record<string, unknown>[];
    assertShape('GET', '/nodes/{node}/lxc/{vmid}/snapshot', snapshots);
    assert.deepEqual(snapshots.map((s) => [s.name, s.parent]), [['initial', undefined], ['current', 'initial']]);

    // The site breaks; rolling back to "initial" restores its files and leaves the CT stopped.
    world.files.set('/var/www/html/index.php', 'broken');
    world.files.delete('/etc/os-release');
    const rolled = await pve.waitTask((await pve.ok('POST', `/nodes/node2/lxc/${vmid}/snapshot/initial/rollback`)) as string);
    assert.equal(rolled.exitstatus, 'OK');
    assert.equal(world.files.has('/var/www/html/index.php'), false);
    assert.equal(world.files.has('/etc/os-release'), true);
    assert.equal(world.status, 'stopped');
    assert.equal(((await pve.ok('GET', `/nodes/node2/lxc/${vmid}/config`)) as Record<string, unknown>).memory, 4096);

    await pve.waitTask((await pve.ok('POST', `/nodes/node2/lxc/${vmid}/status/start`)) as string);
    const down = await pve.waitTask((await pve.ok('POST', `/nodes/node2/lxc/${vmid}/status/shutdown`, { body: { timeout: 30, forceStop: 1 } })) as string);
    assert.deepEqual([down.type, down.exitstatus], ['vzshutdown', 'OK']);
    assert.equal(world.status, 'stopped');
    const stopped = (await pve.ok('GET', `/nodes/node2/lxc/${vmid}/status/current`)) as Record<string, number>;
    assert.deepEqual([stopped.status, stopped.disk, stopped.uptime], ['stopped', 0, 0]);

    const deleted = await pve.waitTask((await pve.ok('DELETE', `/nodes/node2/lxc/${vmid}/snapshot/initial`)) as string);
    assert.equal(deleted.exitstatus, 'OK');
    const destroyed = await pve.waitTask((await pve.ok('DELETE', `/nodes/node2/lxc/${vmid}`, { query: { purge: 1, 'destroy-unreferenced-disks': 1 } })) as string);
    assert.equal(destroyed.exitstatus, 'OK');
    assert.equal(pve.world.containers.has(vmid), false);
    assert.deepEqual(await pve.ok('GET', '/cluster/resources', { query: { type: 'vm' } }), []);
  });

  it('lists tasks with a total and serves their logs', async () => {
    const tasks = await pve.call('GET', '/nodes/node2/tasks', { query: { source: 'all', limit: 2 } });
    assert.equal(tasks.status, 200);
    assertShape('GET', '/nodes/{node}/tasks', tasks.body?.data);
    assert.equal((tasks.body?.data as unknown[]).length, 2);
    assert.ok(Number(tasks.body?.total) >= 8);
    const [first] = tasks.body?.data as { upid: string }[];
    const log = await pve.call('GET', `/nodes/node2/tasks/${encodeURIComponent(first?.upid ?? '')}/log`, { query: { start: 0, limit: 50 } });
    assertShape('GET', '/nodes/{node}/tasks/{upid}/log', log.body?.data);
    const lines = log.body?.data as { n: number; t: string }[];
    assert.equal(lines.at(-1)?.t, 'TASK OK');
    assert.equal(log.body?.total, lines.length);
  });

  it('answers an unknown or foreign UPID with 400 and errors.upid', async () => {
    const garbage = await pve.call('GET', '/nodes/node1/tasks/nonsense/status');
    assert.equal(garbage.status, 400);
    assert.deepEqual(garbage.body, { data: null, errors: { upid: 'unable to parse worker upid' }, message: 'Parameter verification failed.\n' });
    const [task] = (await pve.ok('GET', '/nodes/node2/tasks', { query: { limit: 1 } })) as { upid: string }[];
    const elsewhere = await pve.call('GET', `/nodes/node1/tasks/${encodeURIComponent(task?.upid ?? '')}/status`);
    assert.equal(elsewhere.status, 400);
    assert.deepEqual(elsewhere.body?.errors, { upid: 'no such task' });
  });
});

describe('the Proxmox simulator refuses what the real cluster refuses', () => {
  let pve: Sandbox;
  before(async () => {
    // vzcreate takes 45 model seconds: 135 ms here, long enough to hit its lock.
    pve = await startProxmox({ latency: new Latency(0.003) });
  });
  after(() => pve.close());

  it('holds lock "create" while vzcreate runs and refuses locked operations', async () => {
    const upid = (await pve.ok('POST', '/nodes/node1/lxc', { body: createBody(301) })) as string;
    const status = (await pve.ok('GET', '/nodes/node1/lxc/301/status/current')) as Record<string, unknown>;
    assert.equal(status.lock, 'create');
    assert.equal(((await pve.ok('GET', '/cluster/resources', { query: { type: 'vm' } })) as { lock?: string }[])[0]?.lock, 'create');

    const put = await pve.call('PUT', '/nodes/node1/lxc/301/config', { body: { memory: 1024 } });
    assert.deepEqual([put.status, put.statusText, put.body], [500, 'CT is locked (create)', { data: null, message: 'CT is locked (create)\n' }]);
    assert.equal(put.headers.get('connection'), 'close');
    const destroy = await pve.call('DELETE', '/nodes/node1/lxc/301');
    assert.deepEqual([destroy.status, destroy.body?.message], [500, 'CT is locked (create)\n']);
    // start forks and its worker meets the lock, as pve-container's vm_start does.
    const start = await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/301/status/start')) as string);
    assert.equal(start.exitstatus, 'CT is locked (create)');

    assert.equal((await pve.waitTask(upid)).exitstatus, 'OK');
    assert.equal(((await pve.ok('GET', '/nodes/node1/lxc/301/status/current')) as Record<string, unknown>).lock, undefined);
  });

  it('says the config file does not exist when asked on the wrong node', async () => {
    const wrong = await pve.call('GET', '/nodes/node2/lxc/301/status/current');
    assert.equal(wrong.status, 500);
    assert.equal(wrong.statusText, "Configuration file 'nodes/node2/lxc/301.conf' does not exist");
    assert.deepEqual(wrong.body, { data: null, message: "Configuration file 'nodes/node2/lxc/301.conf' does not exist\n" });
    const missing = await pve.call('POST', '/nodes/node1/lxc/999/status/start');
    assert.equal(missing.body?.message, "Configuration file 'nodes/node1/lxc/999.conf' does not exist\n");
    const noNode = await pve.call('GET', '/nodes/node9/lxc/301/status/current');
    assert.equal(noNode.status, 500);
    assert.match(noNode.statusText, /^hostname lookup 'node9' failed/);
  });

  it('refuses a VMID that exists anywhere in the cluster, and nextid?vmid= says so', async () => {
    const again = await pve.call('POST', '/nodes/node2/lxc', { body: createBody(301) });
    assert.deepEqual([again.status, again.body?.message], [500, "CT 301 already exists on node 'node1'\n"]);
    const check = await pve.call('GET', '/cluster/nextid', { query: { vmid: 301 } });
    assert.deepEqual([check.status, check.body?.errors], [400, { vmid: 'VM 301 already exists' }]);
    assert.equal(await pve.ok('GET', '/cluster/nextid', { query: { vmid: 302 } }), '302');
  });

  it('refuses to start a running CT, to stop a stopped one, and to destroy a running one without force', async () => {
    const notRunning = await pve.call('POST', '/nodes/node1/lxc/301/status/shutdown');
    assert.deepEqual([notRunning.status, notRunning.body?.message], [500, 'CT 301 not running\n']);
    await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/301/status/start')) as string);
    const running = await pve.call('POST', '/nodes/node1/lxc/301/status/start');
    assert.deepEqual([running.status, running.body?.message], [500, 'CT 301 already running\n']);
    const destroy = await pve.call('DELETE', '/nodes/node1/lxc/301');
    assert.deepEqual([destroy.status, destroy.body?.message], [500, 'unable to destroy CT 301 - container is running\n']);
    const forced = await pve.waitTask((await pve.ok('DELETE', '/nodes/node1/lxc/301', { body: { force: 1, purge: 1 } })) as string);
    assert.equal(forced.exitstatus, 'OK');
    assert.equal(pve.world.containers.has(301), false);
  });

  it('refuses reserved and reused snapshot names', async () => {
    await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc', { body: createBody(302) })) as string);
    const reserved = await pve.call('POST', '/nodes/node1/lxc/302/snapshot', { body: { snapname: 'current' } });
    assert.deepEqual([reserved.status, reserved.body?.message], [500, "unable to use snapshot name 'current' (reserved name)\n"]);
    const iso = await pve.call('POST', '/nodes/node1/lxc/302/snapshot', { body: { snapname: '2024-01-01T00:00' } });
    assert.equal(iso.status, 400);
    assert.equal(iso.body?.errors?.snapname, "invalid format - invalid configuration ID '2024-01-01T00:00'\n");
    assert.equal((await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/302/snapshot', { body: { snapname: 'initial' } })) as string)).exitstatus, 'OK');
    const snapshotConfig = (await pve.ok('GET', '/nodes/node1/lxc/302/snapshot/initial/config')) as Record<string, unknown>;
    assertShape('GET', '/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config', snapshotConfig);
    assert.equal(snapshotConfig.hostname, 'site302.nodepoint.eu');
    const missing = await pve.call('POST', '/nodes/node1/lxc/302/snapshot/nope/rollback');
    assert.equal((await pve.waitTask(missing.body?.data as string)).exitstatus, "snapshot 'nope' does not exist");
    const twice = await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/302/snapshot', { body: { snapname: 'initial' } })) as string);
    assert.equal(twice.exitstatus, "snapshot name 'initial' already used");
  });

  it('reboots a running container and refuses to reboot a stopped one with the real (sic) text', async () => {
    const stopped = await pve.call('POST', '/nodes/node1/lxc/302/status/reboot');
    assert.deepEqual([stopped.status, stopped.body?.message], [500, 'VM 302 not running\n']);
    await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/302/status/start')) as string);
    const reboot = await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/302/status/reboot')) as string);
    assert.deepEqual([reboot.type, reboot.exitstatus], ['vzreboot', 'OK']);
    assert.equal(pve.world.containers.get(302)?.status, 'running');
    const interfaces = await pve.ok('GET', '/nodes/node1/lxc/302/interfaces');
    assertShape('GET', '/nodes/{node}/lxc/{vmid}/interfaces', interfaces);
    assert.deepEqual((interfaces as { name: string; inet?: string }[]).map((i) => [i.name, i.inet]), [['lo', '127.0.0.1/8'], ['eth0', '127.0.10.102/24']]);
  });

  it('fails a start on a bridge the node does not have, inside the task', async () => {
    await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc', { body: createBody(303, { net0: 'name=eth0,bridge=vmbr9,ip=dhcp' }) })) as string);
    const start = await pve.waitTask((await pve.ok('POST', '/nodes/node1/lxc/303/status/start')) as string);
    assert.equal(start.exitstatus, "bridge 'vmbr9' does not exist");
    assert.equal(pve.world.containers.get(303)?.ip, null);
  });

  it('interrupts a running task on DELETE and cleans up after an aborted create', async () => {
    const upid = (await pve.ok('POST', '/nodes/node2/lxc', { body: createBody(304) })) as string;
    await pve.ok('DELETE', `/nodes/node2/tasks/${encodeURIComponent(upid)}`);
    assert.equal((await pve.waitTask(upid)).exitstatus, 'received interrupt');
    assert.equal(pve.world.containers.has(304), false);
  });
});
