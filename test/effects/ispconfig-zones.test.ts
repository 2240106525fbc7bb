import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { rejectsWith, signal, startHarness, type Harness } from './ispconfig-harness.js';

const IP = '203.0.113.10';
const input = (domain: string, serviceId = '42', publicIp = IP) => ({ serviceId, domain, publicIp, privateIp: '127.45.0.5' });
const names = (h: Harness, origin: string) =>
  (h.zone(origin)?.records ?? []).map((r) => `${r.type} ${r.name} ${r.data} ${r.active}`).sort();

describe('createDnsZone in ISPConfig', () => {
  let h: Harness;
  beforeEach(async () => {
    await h?.close();
    h = await startHarness();
  });
  after(() => h.close());

  it('creates the zone with trailing dots, the SOA from config and A records for the domain and www', async () => {
    await h.effects.createDnsZone(input('Shop.Example'), signal());
    const zone = h.zone('shop.example.');
    assert.ok(zone, 'the zone exists under its exact origin');
    assert.equal(zone.ns, 'ns1.host.tld.');
    assert.equal(zone.mbox, 'hostmaster.host.tld.');
    assert.equal(zone.serverId, 1);
    assert.equal(zone.active, 'Y');
    assert.equal(zone.ttl, 3600);
    assert.deepEqual(names(h, 'shop.example.'), [
      `A shop.example. ${IP} Y`,
      `A www ${IP} Y`,
      'TXT _provisiond.shop.example. provisiond:42 N',
    ]);
    const today = Number(new Date().toISOString().slice(0, 10).replaceAll('-', ''));
    assert.ok(zone.serial > today * 100 + 1, `the record adds bumped the serial (${zone.serial})`);
  });

  it('keeps its marker inactive so that it never reaches public DNS', async () => {
    await h.effects.createDnsZone(input('shop.example'), signal());
    const marker = h.zone('shop.example.')?.records.find((r) => r.type === 'TXT');
    assert.equal(marker?.active, 'N');
  });

  it('is idempotent: a second run leaves one zone with the same records', async () => {
    await h.effects.createDnsZone(input('shop.example'), signal());
    const before = names(h, 'shop.example.');
    await h.effects.createDnsZone(input('shop.example'), signal());
    assert.equal(h.api.sim.zones().length, 1);
    assert.deepEqual(names(h, 'shop.example.'), before);
    assert.equal(h.counts('dns_zone_add').calls, 1);
    assert.equal(h.counts('dns_a_add').calls, 2);
  });

  it('is not fooled by zones that only share a prefix with the domain', async () => {
    // dns_zone_get_id('example.com') would answer the lowest of these ids, none of them ours.
    const au = await h.addZone('example.com.au.');
    const evil = await h.addZone('example.com.evil.');
    await h.addRecord('a', au, 'example.com.au.', '198.51.100.1');
    await h.effects.createDnsZone(input('example.com'), signal());
    await h.effects.createDnsZone(input('example.com'), signal());
    assert.deepEqual(h.api.sim.zones().map((z) => z.origin).sort(), ['example.com.', 'example.com.au.', 'example.com.evil.']);
    assert.deepEqual(names(h, 'example.com.au.'), ['A example.com.au. 198.51.100.1 Y']);
    assert.deepEqual(h.zone('example.com.evil.')?.records, []);
    assert.equal(h.zone('example.com.')?.records.length, 3);
    assert.ok(evil > au);
  });

  it('adopts a marked zone left by a run that stopped before its records', async () => {
    const id = await h.addZone('shop.example.');
    await h.addRecord('txt', id, '_provisiond.shop.example.', 'provisiond:42', 'n');
    await h.effects.createDnsZone(input('shop.example'), signal());
    assert.equal(h.api.sim.zones().length, 1);
    assert.equal(h.zone('shop.example.')?.id, id);
    assert.equal(names(h, 'shop.example.').length, 3);
  });

  it('adopts an empty zone with our SOA, what a run stopped between zone and marker leaves', async () => {
    const id = await h.addZone('shop.example.');
    await h.effects.createDnsZone(input('shop.example'), signal());
    assert.equal(h.zone('shop.example.')?.id, id);
    assert.ok(names(h, 'shop.example.').includes('TXT _provisiond.shop.example. provisiond:42 N'));
  });

  it('refuses a zone with records but no marker, and changes nothing', async () => {
    const id = await h.addZone('shop.example.');
    await h.addRecord('a', id, 'shop.example.', '198.51.100.7');
    const before = JSON.stringify(h.api.sim.zones());
    await rejectsWith(h.effects.createDnsZone(input('shop.example'), signal()), 'NOT_OURS', false);
    assert.equal(JSON.stringify(h.api.sim.zones()), before);
  });

  it("refuses another service's zone and an empty zone with someone else's SOA", async () => {
    const other = await h.addZone('other.example.');
    await h.addRecord('txt', other, '_provisiond.other.example.', 'provisiond:7', 'n');
    await rejectsWith(h.effects.createDnsZone(input('other.example'), signal()), 'NOT_OURS', false);
    await h.addZone('empty.example.', { mbox: 'dns.elsewhere.tld.' });
    await rejectsWith(h.effects.createDnsZone(input('empty.example'), signal()), 'NOT_OURS', false);
    assert.equal(h.zone('other.example.')?.records.length, 1);
    assert.equal(h.zone('empty.example.')?.records.length, 0);
  });

  it('judges a zone that appeared between its look-up and its add like any other zone', async () => {
    h.api.faults.inject({ op: 'ispconfig.dns_zone_add', kind: 'latency', latencyMs: 150 });
    const run = h.effects.createDnsZone(input('shop.example'), signal());
    await new Promise((resolve) => setTimeout(resolve, 50));
    const id = await h.addZone('shop.example.');
    await h.addRecord('a', id, 'shop.example.', '198.51.100.7');
    await rejectsWith(run, 'NOT_OURS', false);
    assert.deepEqual(names(h, 'shop.example.'), ['A shop.example. 198.51.100.7 Y']);
  });

  it('stores an internationalised domain under its Punycode origin and finds it again', async () => {
    await h.effects.createDnsZone(input('Bücher.example'), signal());
    await h.effects.createDnsZone(input('bücher.example'), signal());
    assert.deepEqual(h.api.sim.zones().map((z) => z.origin), ['xn--bcher-kva.example.']);
    assert.equal(h.zone('xn--bcher-kva.example.')?.records.length, 3);
  });

  it('moves A records of ours that point at an old address', async () => {
    await h.effects.createDnsZone(input('shop.example', '42', '198.51.100.99'), signal());
    await h.effects.createDnsZone(input('shop.example'), signal());
    const a = h.zone('shop.example.')?.records.filter((r) => r.type === 'A').map((r) => r.data);
    assert.deepEqual(a, [IP, IP]);
  });

  it('leaves www out when configured so', async () => {
    await h.close();
    h = await startHarness({ www: false });
    await h.effects.createDnsZone(input('shop.example'), signal());
    assert.deepEqual(names(h, 'shop.example.'), [`A shop.example. ${IP} Y`, 'TXT _provisiond.shop.example. provisiond:42 N']);
  });

  it('refuses an invalid address permanently with the panel validator text', async () => {
    const error = await rejectsWith(h.effects.createDnsZone(input('shop.example', '42', '999.1.1.1'), signal()), 'UPSTREAM_REJECTED', false);
    assert.match(error.message, /ip_error_wrong/);
    assert.doesNotMatch(error.message, /<br/);
  });

  it('asks for NS records with dns_ns_add, which the simulator does not serve: a permanent rejection', async () => {
    await h.close();
    h = await startHarness({ nsRecords: true });
    const error = await rejectsWith(h.effects.createDnsZone(input('shop.example'), signal()), 'UPSTREAM_REJECTED', false);
    assert.match(error.message, /dns_ns_add/);
  });
});

describe('removeDnsZone in ISPConfig', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());
  beforeEach(async () => {
    await h.close();
    h = await startHarness();
  });

  it('deletes the records first and then the zone, leaving no orphans', async () => {
    await h.effects.createDnsZone(input('shop.example'), signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'shop.example' }, signal());
    assert.deepEqual(h.api.sim.zones(), []);
    assert.deepEqual(h.api.sim.records(), []);
  });

  it('succeeds twice, and for a domain that never had a zone', async () => {
    await h.effects.createDnsZone(input('shop.example'), signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'shop.example' }, signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'shop.example' }, signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'never.example' }, signal());
    assert.deepEqual(h.api.sim.records(), []);
  });

  it('sweeps the marker a run stopped after dns_zone_delete left behind', async () => {
    await h.effects.createDnsZone(input('shop.example'), signal());
    const zone = h.zone('shop.example.');
    assert.ok(zone);
    for (const r of zone.records.filter((x) => x.type === 'A')) await h.admin('dns_a_delete', { primary_id: r.id });
    await h.admin('dns_zone_delete', { primary_id: zone.id });
    assert.equal(h.api.sim.records().length, 1, 'the orphaned marker');
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'shop.example' }, signal());
    assert.deepEqual(h.api.sim.records(), []);
  });

  it("leaves foreign zones, other services' zones and prefix look-alikes untouched", async () => {
    const foreign = await h.addZone('shop.example.');
    await h.addRecord('a', foreign, 'shop.example.', '198.51.100.7');
    const other = await h.addZone('other.example.');
    await h.addRecord('txt', other, '_provisiond.other.example.', 'provisiond:7', 'n');
    await h.effects.createDnsZone(input('example.com'), signal());
    await h.addZone('example.com.au.');
    const before = JSON.stringify(h.api.sim.zones().filter((z) => z.origin !== 'example.com.'));
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'shop.example' }, signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'other.example' }, signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'example.com' }, signal());
    assert.equal(JSON.stringify(h.api.sim.zones()), before);
  });

  it("does not remove another service's zone for the same domain", async () => {
    await h.effects.createDnsZone(input('shop.example', '7'), signal());
    await h.effects.removeDnsZone({ serviceId: '42', domain: 'shop.example' }, signal());
    assert.equal(h.zone('shop.example.')?.records.length, 3);
  });
});
