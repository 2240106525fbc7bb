/**
 * Writes are atomic with respect to cancellation, in each of the four HTTP clients, against
 * their simulators. When a lifecycle state is left, XState aborts the signal of every effect
 * still running; the compensation or deletion that runs next looks resources up by their
 * marker. So:
 *
 * - a write already sent runs to its answer and only then rejects as cancelled — the resource
 *   exists the moment the caller learns of the cancellation, the effect does not take its next
 *   step, and the inverse effect run afterwards removes everything;
 * - a write whose signal aborted before it was sent (here: while it waited for a concurrency
 *   slot) is never sent;
 * - reads and polls still stop at once.
 *
 * Each client keeps the cancellation error it always had: NPM the abort reason itself, Proxmox
 * UPSTREAM_TIMEOUT, Cloudflare UPSTREAM_UNAVAILABLE with `details.aborted`, ISPConfig
 * SHUTTING_DOWN — the three AppErrors with the abort reason as their cause.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { createCloudflareClient } from '../../src/effects/cloudflare/client.js';
import { createCloudflareEffects } from '../../src/effects/cloudflare/cloudflare.effects.js';
import { IspconfigClient, isWrite } from '../../src/effects/ispconfig/client.js';
import { NpmClient } from '../../src/effects/npm/client.js';
import type { Faults } from '../../src/sandbox/core/faults.js';
import { allRecords, never, startCloudflare, TOKEN, ZONE, type CloudflareHarness } from './cloudflare-effects-harness.js';
import { CONFIG, SOA, signal as neverIsp, startHarness, type Harness } from './ispconfig-harness.js';
import { EMAIL, hostBody, PASSWORD, startNpm, type NpmFixture } from './npm-harness.js';
import { createInput, signal as neverPve, startPve, type Pve } from './proxmox-harness.js';

/** How long the simulator holds a write before carrying it out. */
const SLOW_WRITE_MS = 300;
/** How long the simulator holds a read; an aborted read must end well before that. */
const SLOW_READ_MS = 1500;
/** "Promptly": a small fraction of SLOW_READ_MS, generous for a loaded machine. */
const PROMPT_MS = 600;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every few ms until it holds; fails the test after `timeoutMs`. */
async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** A request for `op` is being held by the simulator right now. */
const heldBy = (faults: Faults, op: string) => waitFor(() => (faults.counts()[op]?.inFlight ?? 0) > 0, `a request for ${op} to be in flight`);

const calls = (faults: Faults, op: string): number => faults.counts()[op]?.calls ?? 0;

interface Rejection<T> {
  readonly error: unknown;
  /** What `probe` saw, synchronously, in the rejection handler. */
  readonly seen: T;
  /** Milliseconds from `since` to the rejection. */
  readonly afterMs: number;
}

/**
 * Expect `promise` to reject. `probe` runs synchronously inside the rejection handler, so it
 * sees the simulator's state at the very moment the caller learns of the failure.
 */
async function rejection<T>(promise: Promise<unknown>, since: () => number, probe: () => T): Promise<Rejection<T>> {
  return promise.then(
    () => assert.fail('expected the call to be cancelled, it succeeded'),
    (error: unknown) => ({ error, seen: probe(), afterMs: Date.now() - since() }),
  );
}

/** An abort controller that remembers when it fired. */
function canceller(): { signal: AbortSignal; reason: Error; abort(): void; at(): number } {
  const controller = new AbortController();
  const reason = new Error('actor stopped');
  let at = Number.NaN;
  return {
    signal: controller.signal,
    reason,
    abort: () => {
      at = Date.now();
      controller.abort(reason);
    },
    at: () => at,
  };
}

function assertAppError(error: unknown, code: string, cause: unknown): AppError {
  assert.ok(error instanceof AppError, `an AppError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.retryable, true, error.message);
  assert.equal(error.cause, cause, 'the abort reason is the cause');
  return error;
}

describe('Proxmox: writes are seen through, reads stop at once', () => {
  let pve: Pve;
  before(async () => {
    pve = await startPve();
  });
  after(() => pve.close());

  /** Destroy with a fresh signal, waiting out a create task that may still hold the lock. */
  const destroy = async (vmid: number): Promise<void> => {
    const deadline = Date.now() + 5000;
    for (;;) {
      try {
        await pve.effects.destroyContainer({ serviceId: createInput(vmid).serviceId, vmid }, neverPve);
        return;
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'RESOURCE_LOCKED') || Date.now() > deadline) throw error;
        await sleep(10);
      }
    }
  };

  it('sees a create through when the caller aborts mid-request, and stops before the next step', async () => {
    const vmid = 951;
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.lxc.create', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const cancel = canceller();
    const run = pve.effects.createContainer(createInput(vmid), cancel.signal);
    await heldBy(pve.faults, 'proxmox.lxc.create');
    cancel.abort();
    const { error, seen } = await rejection(run, cancel.at, () => pve.world.containers.has(vmid));
    assert.equal(seen, true, 'the container exists when the cancellation arrives');
    assertAppError(error, 'UPSTREAM_TIMEOUT', cancel.reason);
    assert.equal(calls(pve.faults, 'proxmox.tasks.status'), 0, 'the task is not waited for');
    assert.equal(calls(pve.faults, 'proxmox.lxc.status.start'), 0, 'the container is not started');

    await destroy(vmid);
    assert.equal(pve.world.containers.has(vmid), false, 'the inverse leaves nothing');
    const listed = (await pve.raw('GET', '/cluster/resources?type=vm')) as { vmid: number }[];
    assert.equal(listed.some((guest) => Number(guest.vmid) === vmid), false);
  });

  it('does not send a write whose caller aborted while it waited for a slot', async () => {
    const { client } = pve.make({ concurrency: 1 });
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.cluster.resources', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const holding = client.request('GET', '/cluster/resources', { type: 'vm' }, neverPve);
    await heldBy(pve.faults, 'proxmox.cluster.resources');
    const cancel = canceller();
    const queued = client.request('POST', '/nodes/node1/lxc', { vmid: 952, ostemplate: pve.config.template, rootfs: 'drbd:8' }, cancel.signal);
    assert.equal(client.queue().pending, 1, 'the write waits for the slot');
    cancel.abort();
    const { error } = await rejection(queued, cancel.at, () => undefined);
    assertAppError(error, 'UPSTREAM_TIMEOUT', cancel.reason);
    await holding;
    assert.equal(calls(pve.faults, 'proxmox.lxc.create'), 0, 'nothing was sent');
    assert.equal(pve.world.containers.has(952), false);
  });

  it('stops a slow task poll at once', async () => {
    const vmid = 953;
    pve.faults.resetCounters();
    pve.faults.inject({ op: 'proxmox.tasks.status', kind: 'latency', latencyMs: SLOW_READ_MS });
    const cancel = canceller();
    const run = pve.effects.createContainer(createInput(vmid), cancel.signal);
    await heldBy(pve.faults, 'proxmox.tasks.status');
    cancel.abort();
    const { error, afterMs } = await rejection(run, cancel.at, () => undefined);
    assert.ok(afterMs < PROMPT_MS, `rejected ${afterMs} ms after the abort`);
    assertAppError(error, 'UPSTREAM_TIMEOUT', cancel.reason);
    assert.equal(calls(pve.faults, 'proxmox.lxc.status.start'), 0);
    await destroy(vmid);
    assert.equal(pve.world.containers.has(vmid), false);
  });
});

describe('NPM: writes are seen through, reads stop at once', () => {
  let npm: NpmFixture;
  before(async () => {
    npm = await startNpm();
  });
  after(() => npm.close());

  const hostFor = (fqdn: string) => npm.sim.hosts().find((host) => host.domain_names.includes(fqdn));
  const certificatesFor = async (fqdn: string) =>
    ((await npm.direct('GET', '/nginx/certificates')).body as { domain_names: string[] }[]).filter((cert) => cert.domain_names.includes(fqdn));
  const site = (fqdn: string) => ({ serviceId: 'svc-wc', fqdn, privateIp: '127.42.0.77' });

  it('sees a proxy host create through when the caller aborts mid-request, and stops before the next step', async () => {
    const fqdn = 'slow-create.sites.test';
    npm.faults.resetCounters();
    npm.faults.inject({ op: 'npm.proxy_hosts.create', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const cancel = canceller();
    const run = npm.effects.createProxyHost(site(fqdn), cancel.signal);
    await heldBy(npm.faults, 'npm.proxy_hosts.create');
    cancel.abort();
    const { error, seen } = await rejection(run, cancel.at, () => hostFor(fqdn) !== undefined);
    assert.equal(seen, true, 'the host exists when the cancellation arrives');
    assert.equal(error, cancel.reason, 'rejected with the abort reason itself');
    assert.equal(calls(npm.faults, 'npm.proxy_hosts.get'), 0, 'the host is not read back');

    await npm.effects.deleteProxyHost({ serviceId: 'svc-wc', fqdn });
    assert.equal(hostFor(fqdn), undefined, 'the inverse leaves no host');
    assert.deepEqual(await certificatesFor(fqdn), [], 'and no certificate');
  });

  it('does not send a write whose caller aborted while it waited for a slot', async () => {
    const client = new NpmClient({ url: npm.apiUrl, email: EMAIL, password: PASSWORD, timeoutMs: 5000, concurrency: 1, now: Date.now, refreshAheadMs: 3_600_000 });
    try {
      await client.call('GET', '/nginx/proxy-hosts', { what: 'log in' });
      npm.faults.resetCounters();
      npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'latency', latencyMs: SLOW_WRITE_MS });
      const holding = client.call('GET', '/nginx/proxy-hosts', { what: 'list proxy hosts' });
      await heldBy(npm.faults, 'npm.proxy_hosts.list');
      const cancel = canceller();
      const queued = client.call('POST', '/nginx/proxy-hosts', { body: hostBody('queued.sites.test'), signal: cancel.signal, what: 'create proxy host' });
      await waitFor(() => client.queue().pending === 1, 'the write to wait for the slot');
      cancel.abort();
      const { error } = await rejection(queued, cancel.at, () => undefined);
      assert.equal(error, cancel.reason);
      await holding;
      assert.equal(calls(npm.faults, 'npm.proxy_hosts.create'), 0, 'nothing was sent');
      assert.equal(hostFor('queued.sites.test'), undefined);
    } finally {
      await client.close();
    }
  });

  it('stops a slow lookup at once, before anything is ordered', async () => {
    npm.faults.resetCounters();
    npm.faults.inject({ op: 'npm.proxy_hosts.list', kind: 'latency', latencyMs: SLOW_READ_MS });
    const cancel = canceller();
    const run = npm.effects.createProxyHost(site('slow-read.sites.test'), cancel.signal);
    await heldBy(npm.faults, 'npm.proxy_hosts.list');
    cancel.abort();
    const { error, afterMs } = await rejection(run, cancel.at, () => undefined);
    assert.ok(afterMs < PROMPT_MS, `rejected ${afterMs} ms after the abort`);
    assert.equal(error, cancel.reason);
    assert.equal(calls(npm.faults, 'npm.certificates.create'), 0);
  });
});

describe('Cloudflare: writes are seen through, reads stop at once', () => {
  let cf: CloudflareHarness;
  before(async () => {
    cf = await startCloudflare();
  });
  after(() => cf.close());

  const effects = () => createCloudflareEffects({ apiToken: TOKEN, zoneId: ZONE.id, baseUrl: cf.baseUrl, timeoutMs: 5000 });
  const named = async (name: string) => (await allRecords(cf.baseUrl)).filter((record) => record.name === name);
  const site = (fqdn: string) => ({ serviceId: 'svc-wc', fqdn, publicIp: '203.0.113.77' });

  it('sees a record create through when the caller aborts mid-request', async () => {
    const fqdn = 'slow-create.example.com';
    cf.faults.resetCounters();
    cf.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const cancel = canceller();
    const dns = effects();
    const run = dns.createDnsRecord(site(fqdn), cancel.signal);
    await heldBy(cf.faults, 'cloudflare.dns_records.create');
    cancel.abort();
    // The simulator's store is only reachable over HTTP: ask right after the rejection, well
    // inside the latency an abandoned request would still be waiting out.
    const { error, afterMs } = await rejection(run, cancel.at, () => undefined);
    const present = await named(fqdn);
    assert.equal(present.length, 1, `the record exists when the cancellation arrives (${afterMs} ms after the abort)`);
    assert.equal(present[0]?.comment, 'provisiond:svc-wc');
    const appError = assertAppError(error, 'UPSTREAM_UNAVAILABLE', cancel.reason);
    assert.equal(appError.details?.aborted, true, 'classified as a cancellation');

    await dns.deleteDnsRecord({ serviceId: 'svc-wc', fqdn }, never());
    assert.deepEqual(await named(fqdn), [], 'the inverse leaves nothing');
  });

  it('does not send (or budget) a write whose caller aborted while it waited for a slot', async () => {
    const client = createCloudflareClient({ apiToken: TOKEN, baseUrl: cf.baseUrl, concurrency: 1 });
    cf.faults.resetCounters();
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const holding = client.call('read', 'list DNS records', never(), (sdk, options) => sdk.dns.records.list({ zone_id: ZONE.id }, options));
    await heldBy(cf.faults, 'cloudflare.dns_records.list');
    const cancel = canceller();
    const queued = client.call('write', 'create DNS record', cancel.signal, (sdk, options) =>
      sdk.dns.records.create({ zone_id: ZONE.id, type: 'A', name: 'queued.example.com', content: '203.0.113.78', ttl: 300, proxied: false }, options),
    );
    assert.equal(client.queue().pending, 1, 'the write waits for the slot');
    cancel.abort();
    const { error } = await rejection(queued, cancel.at, () => undefined);
    assert.ok(error instanceof AppError && error.details?.aborted === true, String(error));
    await holding;
    assert.equal(calls(cf.faults, 'cloudflare.dns_records.create'), 0, 'nothing was sent');
    assert.equal(client.budget().used, 1, 'only the read was counted against the budget');
    assert.deepEqual(await named('queued.example.com'), []);
  });

  it('stops a slow lookup at once, before anything is created', async () => {
    cf.faults.resetCounters();
    cf.faults.inject({ op: 'cloudflare.dns_records.list', kind: 'latency', latencyMs: SLOW_READ_MS });
    const cancel = canceller();
    const run = effects().createDnsRecord(site('slow-read.example.com'), cancel.signal);
    await heldBy(cf.faults, 'cloudflare.dns_records.list');
    cancel.abort();
    const { error, afterMs } = await rejection(run, cancel.at, () => undefined);
    assert.ok(afterMs < PROMPT_MS, `rejected ${afterMs} ms after the abort`);
    assert.ok(error instanceof AppError && error.details?.aborted === true, String(error));
    assert.equal(calls(cf.faults, 'cloudflare.dns_records.create'), 0);
  });
});

describe('ISPConfig: writes are seen through, reads stop at once', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const input = (domain: string) => ({ serviceId: 'svc-wc', domain, publicIp: '203.0.113.79', privateIp: '127.45.0.79' });
  const url = () => `${h.api.base}/remote/json.php`;

  it('tells reads from writes by the remote function name', () => {
    for (const read of ['dns_zone_get', 'dns_zone_get_id', 'dns_rr_get_all_by_zone', 'dns_txt_get', 'get_function_list', 'login', 'logout']) {
      assert.equal(isWrite(read), false, read);
    }
    for (const write of ['dns_zone_add', 'dns_zone_update', 'dns_zone_delete', 'dns_a_add', 'dns_a_delete', 'dns_txt_add', 'dns_ns_add', 'sites_web_domain_add']) {
      assert.equal(isWrite(write), true, write);
    }
  });

  it('sees a record add through when the caller aborts mid-request, and stops before the next step', async () => {
    const domain = 'slow-add.example';
    h.api.faults.resetCounters();
    // The first A record (the domain's own): the zone and our marker are in place by then.
    h.api.faults.inject({ op: 'ispconfig.dns_a_add', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const cancel = canceller();
    const run = h.effects.createDnsZone(input(domain), cancel.signal);
    await heldBy(h.api.faults, 'ispconfig.dns_a_add');
    cancel.abort();
    const { error, seen } = await rejection(run, cancel.at, () => {
      const zone = h.zone(`${domain}.`);
      return { zoneId: zone?.id, a: (zone?.records ?? []).filter((r) => r.type === 'A').map((r) => r.name) };
    });
    assert.deepEqual(seen.a, [`${domain}.`], 'the A record exists when the cancellation arrives');
    assertAppError(error, 'SHUTTING_DOWN', cancel.reason);
    assert.equal(h.counts('dns_a_add').calls, 1, 'the www record is not added after the cancellation');

    await h.effects.removeDnsZone({ serviceId: 'svc-wc', domain }, neverIsp());
    assert.equal(h.zone(`${domain}.`), undefined, 'the inverse leaves no zone');
    assert.deepEqual(h.api.sim.records().filter((r) => r.zone === seen.zoneId), [], 'and no record, orphaned or not');
  });

  it('never leaves a zone without its marker: an abort during the zone add still marks it, so the inverse removes it', async () => {
    const domain = 'slow-zone.example';
    h.api.faults.resetCounters();
    h.api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'latency', latencyMs: SLOW_WRITE_MS });
    const cancel = canceller();
    const run = h.effects.createDnsZone(input(domain), cancel.signal);
    await heldBy(h.api.faults, 'ispconfig.dns_zone_add');
    cancel.abort();
    await assert.rejects(run);
    const zone = h.zone(`${domain}.`);
    assert.ok(zone !== undefined, 'the zone the panel was already adding exists');
    assert.ok(zone.records.some((r) => r.type === 'TXT'), 'and carries our marker');
    assert.equal(h.counts('dns_a_add').calls, 0, 'nothing after the unit: no A record');
    await h.effects.removeDnsZone({ serviceId: 'svc-wc', domain }, neverIsp());
    assert.equal(h.zone(`${domain}.`), undefined, 'the inverse leaves no zone');
  });

  it('does not send a write whose caller aborted while it waited for a slot', async () => {
    const client = new IspconfigClient({ url: url(), username: CONFIG.username, password: CONFIG.password, concurrency: 1 });
    try {
      await client.call('dns_zone_get', { primary_id: { origin: 'warm.example.' } }, neverIsp()); // log in first
      h.api.faults.resetCounters();
      h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'latency', latencyMs: SLOW_WRITE_MS });
      const holding = client.call('dns_zone_get', { primary_id: { origin: 'any.example.' } }, neverIsp());
      await heldBy(h.api.faults, 'ispconfig.dns_zone_get');
      const cancel = canceller();
      const queued = client.call('dns_zone_add', { client_id: 0, params: { ...SOA, origin: 'queued.example.' } }, cancel.signal);
      await waitFor(() => client.queue().pending === 1, 'the write to wait for the slot');
      cancel.abort();
      const { error } = await rejection(queued, cancel.at, () => undefined);
      assertAppError(error, 'SHUTTING_DOWN', cancel.reason);
      await holding;
      assert.equal(h.counts('dns_zone_add').calls, 0, 'nothing was sent');
      assert.equal(h.zone('queued.example.'), undefined);
    } finally {
      await client.close();
    }
  });

  it('stops a slow lookup at once, before anything is added', async () => {
    h.api.faults.resetCounters();
    h.api.faults.inject({ op: 'ispconfig.dns_zone_get', kind: 'latency', latencyMs: SLOW_READ_MS });
    const cancel = canceller();
    const run = h.effects.createDnsZone(input('slow-read.example'), cancel.signal);
    await heldBy(h.api.faults, 'ispconfig.dns_zone_get');
    cancel.abort();
    const { error, afterMs } = await rejection(run, cancel.at, () => undefined);
    assert.ok(afterMs < PROMPT_MS, `rejected ${afterMs} ms after the abort`);
    assertAppError(error, 'SHUTTING_DOWN', cancel.reason);
    assert.equal(h.counts('dns_zone_add').calls, 0);
  });
});
