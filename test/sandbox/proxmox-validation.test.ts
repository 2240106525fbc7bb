import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, startProxmox, TEMPLATE, TOKEN_ID, type Sandbox } from './proxmox-harness.js';

const PARAM_FAILED = 'Parameter verification failed.\n';
const NOT_DEFINED = 'property is not defined in schema and the schema does not allow additional properties';

describe('the Proxmox simulator authenticates API tokens like pveproxy', () => {
  let pve: Sandbox;
  before(async () => {
    pve = await startProxmox({ unauthorizedDelayMs: 80 });
  });
  after(() => pve.close());

  it('accepts a token split on its last "="', async () => {
    const version = await pve.ok('GET', '/version');
    assertShape('GET', '/version', version);
  });

  it('answers a wrong secret with a delayed, empty 401 whose status line says why', async () => {
    const started = Date.now();
    const reply = await pve.call('GET', '/version', { auth: `PVEAPIToken=${TOKEN_ID}=wrong` });
    assert.ok(Date.now() - started >= 75, 'the 401 is held back');
    assert.deepEqual([reply.status, reply.statusText, reply.text], [401, 'Authentication failed!', '']);
    assert.equal(reply.headers.get('connection'), 'close');
  });

  it('answers a request without credentials with 401 "No ticket", even on unknown paths', async () => {
    const reply = await pve.call('GET', '/nodes/node1/qemu', { auth: null });
    assert.deepEqual([reply.status, reply.statusText, reply.text], [401, 'No ticket', '']);
    const unknownToken = await pve.call('GET', '/version', { auth: 'PVEAPIToken=root@pam!other=x' });
    assert.equal(unknownToken.status, 401);
  });
});

describe('the Proxmox simulator validates parameters against the vendored schema', () => {
  let pve: Sandbox;
  before(async () => {
    pve = await startProxmox();
  });
  after(() => pve.close());

  const create = (body: Record<string, string | number | boolean>, json = false) =>
    pve.call('POST', '/nodes/node1/lxc', { body: { vmid: 200, ostemplate: TEMPLATE, rootfs: 'drbd:8', ...body }, json });

  it('rejects an unknown parameter with the real 400 body and status line', async () => {
    const reply = await create({ colour: 'blue' });
    assert.equal(reply.status, 400);
    assert.equal(reply.statusText, 'Parameter verification failed.');
    assert.deepEqual(reply.body, { data: null, errors: { colour: NOT_DEFINED }, message: PARAM_FAILED });
  });

  it('rejects a missing required parameter', async () => {
    const reply = await pve.call('POST', '/nodes/node1/lxc', { body: { vmid: 200 } });
    assert.deepEqual(reply.body, { data: null, errors: { ostemplate: 'property is missing and it is not optional' }, message: PARAM_FAILED });
  });

  it('checks types, ranges, enums and lengths', async () => {
    const reply = await create({ memory: 8, cores: 'two', arch: 'sparc', password: 'abc', swap: -1 });
    assert.deepEqual(reply.body?.errors, {
      memory: 'value must have a minimum value of 16',
      cores: "type check ('integer') failed - got 'two'",
      arch: "value 'sparc' does not have a value in the enumeration 'amd64, i386, arm64, armhf, riscv32, riscv64'",
      password: 'value must be at least 5 characters long',
      swap: 'value must have a minimum value of 0',
    });
    const vmid = await pve.call('POST', '/nodes/node1/lxc', { body: { vmid: 42, ostemplate: TEMPLATE } });
    assert.equal(vmid.body?.errors?.vmid, 'value must have a minimum value of 100');
  });

  it('takes form booleans only as 1/0, but JSON true/false', async () => {
    const form = await create({ onboot: 'true' });
    assert.deepEqual(form.body?.errors, { onboot: "type check ('boolean') failed - got 'true'" });
    const json = await create({ onboot: true, unprivileged: true, start: false, vmid: 201 }, true);
    assert.equal(json.status, 200, json.text);
    await pve.waitTask(json.body?.data as string);
    const config = (await pve.ok('GET', '/nodes/node1/lxc/201/config')) as Record<string, unknown>;
    assert.deepEqual([config.onboot, config.unprivileged], [1, 1]);
  });

  it('validates property strings such as net0 and rootfs against their formats', async () => {
    const noName = await create({ net0: 'bridge=vmbr1,ip=127.0.10.5/24' });
    assert.equal(noName.body?.errors?.net0, 'invalid format - format error\nnet0.name: property is missing and it is not optional\n');
    const badIp = await create({ net0: 'name=eth0,ip=127.0.10.300/24' });
    assert.equal(badIp.body?.errors?.net0, 'invalid format - format error\nnet0.ip: invalid format - value does not look like a valid ipv4 network configuration\n');
    const extra = await create({ net0: 'name=eth0,colour=blue' });
    assert.equal(extra.body?.errors?.net0, `invalid format - format error\nnet0.colour: ${NOT_DEFINED}\n`);
    const bare = await create({ net0: 'eth0' });
    assert.equal(bare.body?.errors?.net0, 'invalid format - value without key, but schema does not define a default key\n');
    const tooMany = await create({ net32: 'name=eth32' });
    assert.deepEqual(tooMany.body?.errors, { net32: NOT_DEFINED });
    const hostname = await create({ hostname: 'not_a_host' });
    assert.equal(hostname.body?.errors?.hostname, 'invalid format - value does not look like a valid DNS name\n');
    const storage = await create({ rootfs: 'local:8', vmid: 202 });
    assert.deepEqual([storage.status, storage.body?.message], [500, "storage 'local' does not support container directories\n"]);
    const template = await create({ ostemplate: 'local:vztmpl/debian-12.tar.zst', vmid: 202 });
    assert.equal(template.body?.message, "volume 'local:vztmpl/debian-12.tar.zst' does not exist\n");
  });

  it('lets a token set nesting but no other feature flag', async () => {
    const keyctl = await create({ features: 'nesting=1,keyctl=1', vmid: 203 });
    assert.deepEqual([keyctl.status, keyctl.statusText], [403, 'Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)']);
    const nesting = await create({ features: 'nesting=true', vmid: 203 });
    assert.equal(nesting.status, 200);
    await pve.waitTask(nesting.body?.data as string);
    // Property strings are stored the way PVE prints them.
    assert.equal(((await pve.ok('GET', '/nodes/node1/lxc/203/config')) as Record<string, unknown>).features, 'nesting=1');
  });

  it('merges the query string over the body and refuses conflicting path parameters', async () => {
    const reply = await pve.call('PUT', '/nodes/node1/lxc/201/config', { body: { memory: 1024 }, query: { memory: 768 } });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(((await pve.ok('GET', '/nodes/node1/lxc/201/config')) as Record<string, unknown>).memory, 768);
    const conflict = await pve.call('PUT', '/nodes/node1/lxc/201/config', { body: { vmid: 202, memory: 512 } });
    assert.deepEqual(conflict.body?.errors, { vmid: 'duplicate parameter (already defined in URI) with conflicting values!' });
    const empty = await pve.call('PUT', '/nodes/node1/lxc/201/config', { body: {} });
    assert.deepEqual([empty.status, empty.body?.message], [500, 'no options specified\n']);
  });

  it('answers unknown paths and methods with 501', async () => {
    const path = await pve.call('GET', '/nodes/node1/qemu');
    assert.deepEqual([path.status, path.statusText, path.body], [501, "Method 'GET /nodes/node1/qemu' not implemented", { data: null, message: "Method 'GET /nodes/node1/qemu' not implemented\n" }]);
    const method = await pve.call('PATCH', '/version');
    assert.equal(method.status, 501);
  });

  it('serves the cluster reads in the schema\'s shapes', async () => {
    for (const path of ['/cluster/resources', '/cluster/status', '/cluster/tasks', '/nodes', '/cluster/ha/status/current']) {
      assertShape('GET', path, await pve.ok('GET', path));
    }
    assertShape('GET', '/nodes/{node}/status', await pve.ok('GET', '/nodes/node1/status'));
    assertShape('GET', '/nodes/{node}/storage', await pve.ok('GET', '/nodes/node1/storage', { query: { content: 'vztmpl' } }));
    const content = await pve.ok('GET', '/nodes/node2/storage/local/content', { query: { content: 'vztmpl' } });
    assertShape('GET', '/nodes/{node}/storage/{storage}/content', content);
    assert.deepEqual((content as { volid: string }[]).map((v) => v.volid), [TEMPLATE]);
    assertShape('GET', '/nodes/{node}/lxc', await pve.ok('GET', '/nodes/node1/lxc'));
    assertShape('GET', '/nodes/{node}/lxc/{vmid}', await pve.ok('GET', '/nodes/node1/lxc/201'));
    assertShape('GET', '/nodes/{node}/lxc/{vmid}/feature', await pve.ok('GET', '/nodes/node1/lxc/201/feature', { query: { feature: 'snapshot' } }));
  });
});
