import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { createOwnershipEffects } from '../../src/effects/ownership/ownership.effects.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { World } from '../../src/sandbox/core/world.js';
import { createDnsServer } from '../../src/sandbox/dns/dns-server.js';
import { rejectsWith, signal } from './ispconfig-harness.js';

const input = (domain: string, token = 'tok-123') => ({ serviceId: '42', domain, token });

describe('verifyOwnership against the sandbox DNS server', () => {
  const world = new World();
  const faults = new Faults();
  const server = createDnsServer({ world, faults });
  let effects: ReturnType<typeof createOwnershipEffects>;
  let servers: string[] = [];
  before(async () => {
    const { host, port } = await server.listen(0);
    servers = [`${host}:${port}`];
    effects = createOwnershipEffects({ servers, timeoutMs: 1_000 });
  });
  after(() => server.close());
  afterEach(() => {
    faults.clear();
    world.txtRecords.clear();
  });

  it('succeeds when _provisiond-challenge.<domain> holds the bare token', async () => {
    world.setTxt('_provisiond-challenge.shop.example', ['tok-123']);
    await effects.verifyOwnership(input('Shop.Example.'), signal());
  });

  it('finds the token among other TXT values at that name', async () => {
    world.setTxt('_provisiond-challenge.shop.example', ['v=spf1 -all', 'tok-123', 'old-token']);
    await effects.verifyOwnership(input('shop.example'), signal());
  });

  it('joins the character-strings of a long value before comparing', async () => {
    const long = `tok-${'x'.repeat(400)}`;
    world.setTxt('_provisiond-challenge.shop.example', [long]);
    await effects.verifyOwnership(input('shop.example', long), signal());
  });

  it('is OWNERSHIP_UNPROVEN, retryable, while the record is missing (NXDOMAIN)', async () => {
    const error = await rejectsWith(effects.verifyOwnership(input('shop.example'), signal()), 'OWNERSHIP_UNPROVEN', true);
    assert.equal(error.system, 'dns');
  });

  it('is OWNERSHIP_UNPROVEN when the name exists without TXT values (NODATA)', async () => {
    world.setTxt('deeper._provisiond-challenge.shop.example', ['x']);
    await rejectsWith(effects.verifyOwnership(input('shop.example'), signal()), 'OWNERSHIP_UNPROVEN', true);
  });

  it('is OWNERSHIP_UNPROVEN for a wrong token, a prefixed token or the token of another domain', async () => {
    world.setTxt('_provisiond-challenge.shop.example', ['tok-999', 'provisiond-verification=tok-123', 'tok-1234']);
    world.setTxt('_provisiond-challenge.other.example', ['tok-123']);
    await rejectsWith(effects.verifyOwnership(input('shop.example'), signal()), 'OWNERSHIP_UNPROVEN', true);
  });

  it('succeeds once the customer publishes the record, after failing before', async () => {
    await rejectsWith(effects.verifyOwnership(input('shop.example'), signal()), 'OWNERSHIP_UNPROVEN', true);
    world.setTxt('_provisiond-challenge.shop.example', ['tok-123']);
    await effects.verifyOwnership(input('shop.example'), signal());
  });

  it('treats SERVFAIL as retryable UPSTREAM_UNAVAILABLE', async () => {
    world.setTxt('_provisiond-challenge.shop.example', ['tok-123']);
    faults.inject({ op: 'dns.query', kind: 'status', status: 2, times: Infinity });
    await rejectsWith(effects.verifyOwnership(input('shop.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
  });

  it('treats a server that never answers as retryable UPSTREAM_TIMEOUT within its timeout', async () => {
    world.setTxt('_provisiond-challenge.shop.example', ['tok-123']);
    faults.inject({ op: 'dns.query', kind: 'timeout', times: Infinity });
    const started = Date.now();
    await rejectsWith(effects.verifyOwnership(input('shop.example'), signal()), 'UPSTREAM_TIMEOUT', true);
    assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
  });

  it('treats a resolver nobody listens on as retryable', async () => {
    const dead = createDnsServer({ world, faults });
    const { host, port } = await dead.listen(0);
    await dead.close();
    const orphan = createOwnershipEffects({ servers: [`${host}:${port}`], timeoutMs: 300 });
    // UDP to a closed port: the ICMP "port unreachable" comes back as ECONNREFUSED.
    const error = await rejectsWith(orphan.verifyOwnership(input('shop.example'), signal()), 'UPSTREAM_UNAVAILABLE', true);
    assert.equal(error.details?.code, 'ECONNREFUSED');
  });

  it('stops when the signal aborts, with a retryable error', async () => {
    faults.inject({ op: 'dns.query', kind: 'timeout', times: Infinity });
    const controller = new AbortController();
    const slow = createOwnershipEffects({ servers: servers, timeoutMs: 5000 });
    const started = Date.now();
    const run = slow.verifyOwnership(input('shop.example'), controller.signal);
    setTimeout(() => controller.abort(), 50);
    await rejectsWith(run, 'SHUTTING_DOWN', true);
    assert.ok(Date.now() - started < 1000);
  });

  it('keeps at most `concurrency` lookups in flight', async () => {
    world.setTxt('_provisiond-challenge.shop.example', ['tok-123']);
    faults.inject({ op: 'dns.query', kind: 'latency', latencyMs: 30, times: Infinity });
    faults.resetCounters();
    const limited = createOwnershipEffects({ servers: servers, timeoutMs: 1000, concurrency: 2 });
    await Promise.all(Array.from({ length: 6 }, () => limited.verifyOwnership(input('shop.example'), signal())));
    assert.ok((faults.counts()['dns.query']?.maxInFlight ?? 0) <= 2);
    assert.equal(faults.counts()['dns.query']?.calls, 6);
  });
});
