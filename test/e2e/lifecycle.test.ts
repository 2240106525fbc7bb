/**
 * The whole daemon in one process: the real registry, machines, SQLite, infrastructure effects
 * and HTTP app (injected), driving an in-process sandbox through a site's life — operator
 * commands included — and leaving nothing behind but a guest that was never ours.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import type { ActorRegistry } from '../../src/actors/service-registry.js';
import { settingsFromSandbox } from '../../src/infrastructure.js';
import { createProxmoxClient } from '../../src/effects/proxmox/client.js';
import { waitTask } from '../../src/effects/proxmox/polling.js';
import type { Store } from '../../src/persistence/types.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { startInProcessDaemon, type InProcessDaemon } from '../support/in-process-daemon.js';
import { waitFor } from '../support/stack.js';

const API_TOKEN = 'e2e-api-token-0123456789';
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const TOKEN = 'ownership-token-for-the-test';

async function throughProxy(sandbox: Sandbox, host: string, path: string): Promise<number> {
  const response = await request(`${sandbox.connection.npm.proxyUrl}${path}`, { headers: { host } });
  await response.body.dump();
  return response.statusCode;
}

describe('a site, from payment to deletion, against the sandbox', () => {
  let daemon: InProcessDaemon;
  let sandbox: Sandbox;
  let store: Store;
  let registry: ActorRegistry;
  let app: InProcessDaemon['app'];
  const state = () => registry.get('9001')?.state;
  const settled = (want: string, what: string) =>
    waitFor(() => state() === want || state() === 'failed', 30_000, what).then(() => assert.equal(state(), want, JSON.stringify(registry.get('9001')?.failure)));
  const status = async () => {
    const response = await app.inject({ method: 'GET', url: '/status?service_id=9001', headers: { authorization: `Bearer ${API_TOKEN}` } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as {
      service: { vmid: number; plan: string; domain_quota: number };
      container: { status: string; node: string; cpu: number; memory: { total_bytes: number }; disk: { total_bytes: number }; uptime_seconds: number } | null;
      container_error?: { code: string };
    };
  };
  const containerConfig = async (vmid: number): Promise<Record<string, unknown>> => {
    const node = sandbox.world.containers.get(vmid)?.node ?? 'node1';
    return proxmox().request('GET', `/nodes/${node}/lxc/${vmid}/config`);
  };
  let proxmoxClient: ReturnType<typeof createProxmoxClient> | undefined;
  const proxmox = () => (proxmoxClient ??= createProxmoxClient(settingsFromSandbox(sandbox.connection).proxmox));

  before(async () => {
    daemon = await startInProcessDaemon({
      timeScale: 0.002,
      privateIps: { first: '127.43.0.100', last: '127.43.0.120' },
      vmids: { first: 7000, last: 7099 },
      apiToken: API_TOKEN,
      newToken: () => TOKEN,
    });
    ({ sandbox, store, registry, app } = daemon);
  });

  after(async () => {
    await proxmoxClient?.close();
    await daemon.close();
  });

  it('provisions a site that answers through the proxy, skipping a VMID a hand-made guest holds', async () => {
    // Someone made CT 7000 by hand: the lowest VMID of the range, and not ours.
    const upid = await proxmox().request('POST', '/nodes/node1/lxc', {
      vmid: 7000,
      ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
      rootfs: 'drbd:8',
      hostname: 'handmade',
      unprivileged: true,
    });
    await waitTask(proxmox(), { pollIntervalMs: 20, taskTimeoutMs: 30_000 }, upid, undefined);

    const { service } = registry.execute({ type: 'create', serviceId: '9001', email: 'customer@example.com', plan: 'basic', publicIp: '203.0.113.10' });
    assert.equal(service.vmid, 7000, 'the database alone offers the lowest free number');
    await settled('active', 'the site to be provisioned');
    const provisioned = registry.get('9001');
    assert.equal(provisioned?.vmid, 7001, 'Proxmox showed 7000 to be someone else\'s');
    assert.equal(sandbox.world.containers.get(7000)?.hostname, 'handmade', 'the foreign guest is untouched');
    assert.equal(await throughProxy(sandbox, provisioned?.fqdn ?? '', '/wp-admin/install.php'), 200);
    const log = registry.logTail('9001', 100).map((line) => line.line);
    assert.ok(log.includes('==> step: done'), `the installer's output reached the log: ${log.slice(-3).join(' | ')}`);
    assert.equal(sandbox.world.containers.get(7001)?.status, 'running');
  });

  it("reports the container's live status and usage from Proxmox, or why it cannot", async () => {
    const { container } = await status();
    assert.ok(container !== null);
    assert.equal(container.status, 'running');
    assert.ok(['node1', 'node2'].includes(container.node));
    assert.equal(container.memory.total_bytes, 2048 * MiB, "the basic plan's memory");
    assert.equal(container.disk.total_bytes, 20 * GiB, "the basic plan's disk");
    assert.ok(container.cpu >= 0 && container.uptime_seconds >= 0);

    sandbox.faults.inject({ op: 'proxmox.lxc.status.current', kind: 'status', status: 500, message: 'cluster not ready', times: Infinity });
    try {
      const degraded = await status();
      assert.equal(degraded.container, null);
      assert.ok(degraded.container_error !== undefined, 'the reply says why there is no reading');
      assert.equal(degraded.service.vmid, 7001, 'the record is answered all the same');
    } finally {
      sandbox.faults.clear();
    }
  });

  it('changes plan: memory, cores and disk grow on Proxmox, the quota follows', async () => {
    registry.execute({ type: 'changePlan', serviceId: '9001', plan: 'premium' });
    await settled('active', 'resized');
    const config = await containerConfig(7001);
    assert.equal(Number(config.memory), 4096);
    assert.equal(Number(config.cores), 2);
    assert.match(String(config.rootfs), /size=40G/);
    const after = await status();
    assert.deepEqual([after.service.plan, after.service.domain_quota], ['premium', 5]);
    assert.equal(after.container?.memory.total_bytes, 4096 * MiB);
  });

  it('reinstalls WordPress and restores the initial snapshot, each ending with the site answering', async () => {
    const before = registry.logTail('9001', 2000).length;
    registry.execute({ type: 'reinstall', serviceId: '9001' });
    await settled('active', 'reinstalled');
    const reinstallLog = registry.logTail('9001', 2000).slice(before).map((line) => line.line);
    assert.ok(reinstallLog.includes('==> step: done'), 'the reinstall ran the installer again');
    assert.equal(await throughProxy(sandbox, registry.get('9001')?.fqdn ?? '', '/wp-admin/install.php'), 200);

    registry.execute({ type: 'restore', serviceId: '9001' });
    await settled('active', 'restored');
    assert.equal(sandbox.world.containers.get(7001)?.status, 'running');
    const config = await containerConfig(7001);
    assert.deepEqual([Number(config.memory), Number(config.cores)], [4096, 2], 'the rollback took the snapshot\'s sizes; the premium plan was set again');
    assert.match(String(config.rootfs), /size=40G/);
    assert.equal(await throughProxy(sandbox, registry.get('9001')?.fqdn ?? '', '/wp-admin/install.php'), 200);
  });

  it('attaches a custom domain once its TXT record proves ownership', async () => {
    sandbox.world.setTxt('_provisiond-challenge.shop.example.org', [TOKEN]);
    registry.execute({ type: 'domain.add', serviceId: '9001', domain: 'shop.example.org' });
    await waitFor(() => registry.get('9001')?.domains[0]?.state === 'active', 20_000, 'the domain to be active');
    assert.equal(await throughProxy(sandbox, 'shop.example.org', '/wp-admin/install.php'), 200);
  });

  it('suspends the site (the container stays down) and brings it back', async () => {
    registry.execute({ type: 'suspend', serviceId: '9001' });
    await waitFor(() => state() === 'suspended', 20_000, 'suspended');
    const vmid = registry.get('9001')?.vmid ?? 0;
    assert.equal(sandbox.world.containers.get(vmid)?.status, 'stopped');
    assert.equal(await throughProxy(sandbox, registry.get('9001')?.fqdn ?? '', '/wp-admin/install.php'), 502);
    registry.execute({ type: 'unsuspend', serviceId: '9001' });
    await waitFor(() => state() === 'active', 20_000, 'active again');
    assert.equal(await throughProxy(sandbox, registry.get('9001')?.fqdn ?? '', '/wp-admin/install.php'), 200);
  });

  it('deletes everything it created and gives the allocation back', async () => {
    registry.execute({ type: 'delete', serviceId: '9001' });
    await waitFor(() => state() === 'deleted' || state() === 'failed', 30_000, 'deleted');
    assert.equal(state(), 'deleted', JSON.stringify(registry.get('9001')?.failure));
    const snapshot = (await (await fetch(`${sandbox.connection.control.url}/state`)).json()) as { containers: unknown[]; proxyHosts: unknown[]; zones: unknown[] };
    assert.deepEqual((snapshot.containers as { vmid: number }[]).map((ct) => ct.vmid), [7000], 'no container of ours; the hand-made one stays');
    assert.deepEqual(snapshot.proxyHosts, [], 'no proxy host');
    assert.deepEqual(snapshot.zones, [], 'no DNS zone');
    const records = await fetch(`${sandbox.connection.cloudflare.baseUrl}/zones/${sandbox.connection.cloudflare.zoneId}/dns_records`, {
      headers: { authorization: `Bearer ${sandbox.connection.cloudflare.apiToken}` },
    });
    assert.deepEqual(((await records.json()) as { result: unknown[] }).result, [], 'no DNS record');
    assert.equal(store.services.allocation('9001'), undefined);
  });

  it('deletes a site caught mid-install and one that failed, leaving nothing of either', async () => {
    const leftovers = async (fqdn: string, vmid: number) => {
      const world = (await (await fetch(`${sandbox.connection.control.url}/state`)).json()) as {
        containers: { vmid: number }[];
        proxyHosts: { domain_names: string[] }[];
      };
      const records = await fetch(`${sandbox.connection.cloudflare.baseUrl}/zones/${sandbox.connection.cloudflare.zoneId}/dns_records?name=${fqdn}`, {
        headers: { authorization: `Bearer ${sandbox.connection.cloudflare.apiToken}` },
      });
      return {
        container: world.containers.some((ct) => ct.vmid === vmid),
        proxyHost: world.proxyHosts.some((host) => host.domain_names.includes(fqdn)),
        dnsRecords: ((await records.json()) as { result: unknown[] }).result.length,
      };
    };
    const nothing = { container: false, proxyHost: false, dnsRecords: 0 };

    // 9002: deleted while the installer runs (held up by a slow installer).
    sandbox.faults.inject({ op: 'ssh.ct.bash', kind: 'latency', latencyMs: 1_500 });
    const busy = registry.execute({ type: 'create', serviceId: '9002', email: 'busy@example.com', plan: 'basic', publicIp: '203.0.113.10' }).service;
    await waitFor(() => registry.get('9002')?.step?.includes('install') === true, 20_000, '9002 installing');
    registry.execute({ type: 'delete', serviceId: '9002' });
    await waitFor(() => registry.get('9002')?.state === 'deleted' || registry.get('9002')?.state === 'failed', 30_000, '9002 deleted');
    assert.equal(registry.get('9002')?.state, 'deleted', JSON.stringify(registry.get('9002')?.failure));
    const vmid9002 = registry.get('9002')?.vmid ?? busy.vmid;
    assert.deepEqual(await leftovers(busy.fqdn, vmid9002), nothing);

    // 9003: the initial snapshot fails for good → compensated → failed → deleted.
    sandbox.faults.inject({ op: 'proxmox.lxc.snapshot.create', kind: 'status', status: 400, message: "snapshot feature is not available on storage 'drbd'", times: Infinity });
    try {
      const failing = registry.execute({ type: 'create', serviceId: '9003', email: 'failing@example.com', plan: 'basic', publicIp: '203.0.113.10' }).service;
      await waitFor(() => registry.get('9003')?.state === 'failed', 30_000, '9003 failed');
      assert.equal(registry.get('9003')?.failure?.step, 'snapshot');
      const vmid9003 = registry.get('9003')?.vmid ?? failing.vmid;
      assert.deepEqual(await leftovers(failing.fqdn, vmid9003), nothing, 'compensation already removed everything');
      registry.execute({ type: 'delete', serviceId: '9003' });
      await waitFor(() => registry.get('9003')?.state === 'deleted', 30_000, '9003 deleted');
      assert.deepEqual(await leftovers(failing.fqdn, vmid9003), nothing);
      assert.equal(store.services.allocation('9003'), undefined, 'the allocation went back');
    } finally {
      sandbox.faults.clear();
    }
  });
});
