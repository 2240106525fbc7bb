/**
 * The ISPConfig inventory against the simulator: zones found through their marker rows, with
 * owner and A records; a marker whose zone was deleted (or replaced by someone else's zone of
 * the same name) shows as `zoneId: null`; unmarked zones are not listed. The repairs the
 * reconciler uses here are the effects: removeDnsZone clears a marked zone or a lone marker,
 * createDnsZone puts drifted A records back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createIspconfigInventory, hostOf } from '../../src/effects/ispconfig/inventory.js';
import { CONFIG, signal, startHarness, type Harness } from './ispconfig-harness.js';

const PUBLIC_IP = '203.0.113.10';
const target = (serviceId: string, domain: string) => ({ serviceId, domain, publicIp: PUBLIC_IP, privateIp: '127.42.0.101' });

describe('ISPConfig inventory', () => {
  let h: Harness;
  let inventory: ReturnType<typeof createIspconfigInventory>;
  const zoneId = (origin: string): number => {
    const zone = h.zone(origin);
    assert.ok(zone, origin);
    return zone.id;
  };

  before(async () => {
    h = await startHarness();
    inventory = createIspconfigInventory({ url: `${h.api.base}/remote/json.php`, ...CONFIG });
    await h.effects.createDnsZone(target('svc-a', 'shop.example.org'), signal());
    // Someone else's zone, and a marked zone made by hand for a service nobody knows.
    await h.addRecord('a', await h.addZone('foreign.example.'), 'foreign.example.', '198.51.100.1');
    const ghost = await h.addZone('ghost.example.');
    await h.addRecord('txt', ghost, '_provisiond.ghost.example.', 'provisiond:ghost-4', 'n');
    await h.addRecord('a', ghost, 'ghost.example.', '198.51.100.2');
    // Zones deleted behind our back: the marker rows stay (dns_zone_delete keeps records).
    await h.effects.createDnsZone(target('svc-g', 'gone.example'), signal());
    await h.admin('dns_zone_delete', { primary_id: zoneId('gone.example.') });
    await h.effects.createDnsZone(target('svc-t', 'taken.example'), signal());
    await h.admin('dns_zone_delete', { primary_id: zoneId('taken.example.') });
    await h.addZone('taken.example.');
  });
  after(async () => {
    await inventory.close();
    await h.close();
  });

  it('lists the marked zones with owner and A records, and markers whose zone is gone', async () => {
    const zones = await inventory.zones(signal());
    assert.deepEqual(zones, [
      { domain: 'ghost.example', owner: 'ghost-4', zoneId: zoneId('ghost.example.'), aRecords: [{ name: 'ghost.example', data: '198.51.100.2' }] },
      { domain: 'gone.example', owner: 'svc-g', zoneId: null, aRecords: [] },
      {
        domain: 'shop.example.org', owner: 'svc-a', zoneId: zoneId('shop.example.org.'),
        aRecords: [{ name: 'shop.example.org', data: PUBLIC_IP }, { name: 'www.shop.example.org', data: PUBLIC_IP }],
      },
      { domain: 'taken.example', owner: 'svc-t', zoneId: null, aRecords: [] },
    ]);
  });

  it('shows an A record that points elsewhere, and createDnsZone puts it back', async () => {
    await h.addRecord('a', zoneId('shop.example.org.'), 'www', '198.51.100.66');
    const drifted = (await inventory.zones(signal())).find((z) => z.domain === 'shop.example.org');
    assert.ok(drifted?.aRecords.some((r) => r.name === 'www.shop.example.org' && r.data === '198.51.100.66'));
    await h.effects.createDnsZone(target('svc-a', 'shop.example.org'), signal());
    const fixed = (await inventory.zones(signal())).find((z) => z.domain === 'shop.example.org');
    assert.deepEqual(fixed?.aRecords.map((r) => r.data), [PUBLIC_IP, PUBLIC_IP]);
  });

  it('removeDnsZone clears a marked orphan zone and a lone marker; unmarked zones stay', async () => {
    await h.effects.removeDnsZone({ serviceId: 'ghost-4', domain: 'ghost.example' }, signal());
    await h.effects.removeDnsZone({ serviceId: 'svc-g', domain: 'gone.example' }, signal());
    await h.effects.removeDnsZone({ serviceId: 'svc-t', domain: 'taken.example' }, signal());
    assert.deepEqual((await inventory.zones(signal())).map((z) => z.domain), ['shop.example.org']);
    assert.ok(h.zone('foreign.example.'), 'the foreign zone is still there');
    assert.ok(h.zone('taken.example.'), 'the same-named zone someone else made is still there');
  });

  it('names records absolutely, relatively and at the apex', () => {
    assert.equal(hostOf('www', 'shop.example.org'), 'www.shop.example.org');
    assert.equal(hostOf('Shop.Example.org.', 'shop.example.org'), 'shop.example.org');
    assert.equal(hostOf('', 'shop.example.org'), 'shop.example.org');
    assert.equal(hostOf('@', 'shop.example.org'), 'shop.example.org');
  });
});
