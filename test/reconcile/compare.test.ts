/**
 * The comparison, pure data in and findings out: a matching world finds nothing; each kind of
 * orphan, missing resource and drift is found once, with the issue a repair needs; busy and
 * failed services are not judged; unmarked resources never become orphans; a system that
 * could not be read finds nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compare } from '../../src/reconcile/compare.js';
import type { Finding, Inventory, OwnedService } from '../../src/reconcile/types.js';
import { container, EXPECT, healthy, host, merge, PUBLIC_IP, record, service, zone } from './fixtures.js';

const found = (services: readonly OwnedService[], inventory: Inventory): Finding[] => compare({ services, inventory, expect: EXPECT });
/** `kind system resource service issue-type`, one line per finding. */
const lines = (findings: readonly Finding[]): string[] =>
  findings.map((f) => `${f.kind} ${f.system} ${f.resource} ${f.serviceId} ${f.issue?.type ?? '-'}`);

const active = service({ serviceId: 'site-a', domains: [{ domain: 'shop.example.org', state: 'active' }] });
const suspended = service({ serviceId: 'site-s', state: 'suspended' });

describe('compare: a world that matches the database', () => {
  it('finds nothing for active and suspended services with custom domains', () => {
    assert.deepEqual(found([active, suspended], merge(healthy(active), healthy(suspended))), []);
  });

  it('finds nothing when the database is empty and nothing carries a marker', () => {
    const unmarked = merge({
      proxmox: [container({ vmid: 100, owner: null })],
      npm: [host({ id: 1, domainNames: ['other.example.net'], owner: null })],
    });
    assert.deepEqual(found([], unmarked), []);
  });
});

describe('compare: orphans', () => {
  const gone = service({ serviceId: 'gone-1', state: 'deleted' });
  const world = merge(healthy(active), {
    proxmox: [container({ vmid: 1999, owner: 'ghost' }), container({ vmid: gone.vmid, owner: 'gone-1', status: 'stopped' })],
    cloudflare: [record({ id: 'r-ghost', name: 'ghost.sandbox.test', owner: 'ghost' })],
    npm: [host({ id: 99, domainNames: ['ghost.sandbox.test'], owner: 'ghost' })],
    ispconfig: [zone({ domain: 'ghost.example', owner: 'ghost' }), zone({ domain: 'old.example', owner: 'gone-1', zoneId: null, aRecords: [] })],
  });

  it('reports every marked resource of an unknown or deleted service, and nothing else', () => {
    assert.deepEqual(lines(found([active, gone], world)), [
      `orphan proxmox container ${gone.vmid} gone-1 container-orphan`,
      'orphan proxmox container 1999 ghost container-orphan',
      'orphan cloudflare A record ghost.sandbox.test ghost record-orphan',
      'orphan npm proxy host 99 (ghost.sandbox.test) ghost host-orphan',
      'orphan ispconfig marker of zone old.example (zone gone) gone-1 zone-orphan',
      'orphan ispconfig zone ghost.example ghost zone-orphan',
    ]);
  });

  it('says why: not in the database, or deleted', () => {
    const byResource = new Map(found([active, gone], world).map((f) => [f.resource, f]));
    assert.match(byResource.get('container 1999')?.detail ?? '', /service ghost, which is not in the database/);
    assert.match(byResource.get(`container ${gone.vmid}`)?.detail ?? '', /service gone-1, which is deleted/);
    assert.equal(byResource.get(`container ${gone.vmid}`)?.serviceState, 'deleted');
    assert.equal(byResource.get('container 1999')?.serviceState, undefined);
  });

  it('reports a live service\'s marked resources it has no use for', () => {
    const stray = merge(healthy(active), {
      proxmox: [container({ vmid: 1500, owner: 'site-a' })],
      cloudflare: [record({ id: 'r-old', name: 'old-name.sandbox.test', owner: 'site-a' })],
      npm: [host({ id: 98, domainNames: ['shop.example.org', 'extra.example.org'], owner: 'site-a' }), host({ id: 97, domainNames: ['leftover.example.org'], owner: 'site-a' })],
      ispconfig: [zone({ domain: 'dropped.example', owner: 'site-a' })],
    });
    // Host 98 serves the custom domain alongside another name; the healthy one already serves it.
    assert.deepEqual(lines(found([active], stray)), [
      'orphan proxmox container 1500 site-a container-stray',
      'orphan cloudflare A record old-name.sandbox.test site-a record-orphan',
      'orphan npm proxy host 97 (leftover.example.org) site-a host-orphan',
      'orphan npm proxy host 98 (shop.example.org, extra.example.org) site-a host-orphan',
      'orphan ispconfig zone dropped.example site-a zone-orphan',
    ]);
  });
});

describe('compare: missing resources of live services', () => {
  for (const s of [active, suspended]) {
    it(`reports each absent resource of the ${s.state} service`, () => {
      const expectations = [
        `missing proxmox container ${s.vmid} ${s.serviceId} container-missing`,
        `missing cloudflare A record ${s.fqdn} ${s.serviceId} record-missing`,
        `missing npm proxy host for ${s.fqdn} ${s.serviceId} host-missing`,
        ...s.domains.map((d) => `missing npm proxy host for ${d.domain} ${s.serviceId} host-missing`),
        ...s.domains.map((d) => `missing ispconfig zone ${d.domain} ${s.serviceId} zone-missing`),
      ];
      assert.deepEqual(lines(found([s], merge())).sort(), expectations.sort());
    });
  }

  it('names who holds the VMID of a missing container', () => {
    const [finding] = found([suspended], merge({ proxmox: [container({ vmid: suspended.vmid, owner: null })] })).filter((f) => f.system === 'proxmox');
    assert.match(finding?.detail ?? '', /VMID held by a container without our marker/);
  });

  it('counts a zone whose only trace is its marker as missing, and reports the marker as owned, not orphaned', () => {
    const world = merge(healthy(active));
    const markerOnly = { ...world, ispconfig: [zone({ domain: 'shop.example.org', owner: 'site-a', zoneId: null, aRecords: [] })] };
    assert.deepEqual(lines(found([active], markerOnly)), ['missing ispconfig zone shop.example.org site-a zone-missing']);
  });
});

describe('compare: drift', () => {
  const base = merge(healthy(active), healthy(suspended));

  it('a container stopped while active, or running while suspended', () => {
    const world = {
      ...base,
      proxmox: base.proxmox.map((ct) => ({ ...ct, status: ct.status === 'running' ? 'stopped' : 'running' })),
    };
    const findings = found([active, suspended], world);
    assert.deepEqual(lines(findings), [
      `drift proxmox container ${active.vmid} site-a container-power`,
      `drift proxmox container ${suspended.vmid} site-s container-power`,
    ]);
    assert.deepEqual(findings.map((f) => f.issue), [
      { type: 'container-power', vmid: active.vmid, want: 'running' },
      { type: 'container-power', vmid: suspended.vmid, want: 'stopped' },
    ]);
  });

  it('never acts on a power state Proxmox does not know yet', () => {
    const world = { ...base, proxmox: base.proxmox.map((ct) => ({ ...ct, status: 'unknown' })) };
    assert.deepEqual(found([active, suspended], world), []);
  });

  it('a DNS record pointing elsewhere, or two of ours on the name', () => {
    const elsewhere = { ...base, cloudflare: base.cloudflare.map((r) => (r.owner === 'site-a' ? { ...r, content: '198.51.100.7' } : r)) };
    const [moved] = found([active, suspended], elsewhere);
    assert.equal(lines([moved as Finding])[0], `drift cloudflare A record ${active.fqdn} site-a record-content`);
    assert.match(moved?.detail ?? '', /points to 198\.51\.100\.7 instead of 203\.0\.113\.10/);
    assert.deepEqual(moved?.issue, { type: 'record-content', fqdn: active.fqdn, publicIp: PUBLIC_IP });

    const doubled = { ...base, cloudflare: [...base.cloudflare, record({ id: 'r-dup', name: active.fqdn, owner: 'site-a' })] };
    assert.deepEqual(lines(found([active, suspended], doubled)), [`drift cloudflare A record ${active.fqdn} site-a record-content`]);
  });

  it('a proxy host forwarding to another host or port', () => {
    const [site, custom] = base.npm.filter((h) => h.owner === 'site-a');
    const world = {
      ...base,
      npm: base.npm.map((h) => (h === site ? { ...h, forwardHost: '127.42.0.250' } : h === custom ? { ...h, forwardPort: 8081 } : h)),
    };
    const findings = found([active, suspended], world);
    assert.deepEqual(lines(findings), [
      `drift npm proxy host ${site?.id} (${active.fqdn}) site-a host-forward`,
      `drift npm proxy host ${custom?.id} (shop.example.org) site-a host-forward`,
    ]);
    assert.match(findings[0]?.detail ?? '', /forwards to 127\.42\.0\.250:18080 instead of 127\.42\.0\.\d+:18080/);
    assert.deepEqual(findings[1]?.issue, {
      type: 'host-forward', site: { name: 'shop.example.org', customDomain: true, privateIp: active.privateIp, publicIp: PUBLIC_IP },
    });
  });

  it('a proxy host whose names were changed is paired with the name that lost its host', () => {
    const site = base.npm.find((h) => h.owner === 'site-s');
    const world = { ...base, npm: base.npm.map((h) => (h === site ? { ...h, domainNames: ['renamed.example.net'] } : h)) };
    const findings = found([active, suspended], world);
    assert.deepEqual(lines(findings), [`drift npm proxy host ${site?.id} (renamed.example.net) site-s host-names`]);
    assert.deepEqual(findings[0]?.issue, { type: 'host-names', id: site?.id, site: { name: suspended.fqdn, customDomain: false, privateIp: suspended.privateIp, publicIp: PUBLIC_IP } });
  });

  it('a custom domain whose A records point elsewhere, or whose apex record is gone', () => {
    const moved = { ...base, ispconfig: base.ispconfig.map((z) => ({ ...z, aRecords: [{ name: z.domain, data: PUBLIC_IP }, { name: `www.${z.domain}`, data: '198.51.100.9' }] })) };
    const findings = found([active, suspended], moved);
    assert.deepEqual(lines(findings), ['drift ispconfig zone shop.example.org site-a zone-records']);
    assert.match(findings[0]?.detail ?? '', /www\.shop\.example\.org → 198\.51\.100\.9 instead of 203\.0\.113\.10/);

    const bare = { ...base, ispconfig: base.ispconfig.map((z) => ({ ...z, aRecords: [] })) };
    assert.match(found([active, suspended], bare)[0]?.detail ?? '', /no A record for shop\.example\.org/);
  });
});

describe('compare: services that are not judged', () => {
  it('a busy service is reported as busy and nothing of its own is judged', () => {
    const building = service({ serviceId: 'site-b', state: 'provisioning', step: 'provisioning.building.site.install.running' });
    const half = merge({ proxmox: [container({ vmid: building.vmid, owner: 'site-b', status: 'stopped' })], npm: [host({ id: 5, domainNames: ['x.example'], owner: 'site-b' })] });
    const findings = found([building], half);
    assert.deepEqual(lines(findings), ['busy provisiond service site-b site-b -']);
    assert.match(findings[0]?.detail ?? '', /provisioning\.building\.site\.install\.running/);
  });

  it('a failed service is neither busy nor judged, and its resources are not orphans', () => {
    const failed = service({ serviceId: 'site-f', state: 'failed' });
    assert.deepEqual(found([failed], merge(healthy(failed), { proxmox: [container({ vmid: failed.vmid, owner: 'site-f', status: 'stopped' })] })), []);
    assert.deepEqual(found([failed], merge()), []);
  });

  it('custom domains still being set up or removed expect nothing and keep what they have', () => {
    const s = service({ serviceId: 'site-d', domains: [{ domain: 'new.example', state: 'certificate' }, { domain: 'bye.example', state: 'removing' }] });
    const world = merge(healthy(s), {
      npm: [host({ id: 71, domainNames: ['bye.example'], owner: 'site-d' }), host({ id: 72, domainNames: ['bye.example', 'www.bye.example'], owner: 'site-d' })],
      ispconfig: [zone({ domain: 'new.example', owner: 'site-d', aRecords: [] })],
    });
    assert.deepEqual(found([s], world), []);
  });
});

describe('compare: the never-touch-unmarked rule', () => {
  it('an unmarked resource is never an orphan, wherever it sits', () => {
    const gone = service({ serviceId: 'gone-2', state: 'deleted' });
    const world = merge(healthy(active), {
      proxmox: [container({ vmid: gone.vmid, owner: null }), container({ vmid: 4242, owner: null, status: 'stopped' })],
      cloudflare: [record({ id: 'r-x', name: gone.fqdn, owner: null })],
      npm: [host({ id: 500, domainNames: [gone.fqdn], owner: null })],
      ispconfig: [zone({ domain: 'foreign.example', owner: null })],
    });
    assert.deepEqual(found([active, gone], world), []);
  });

  it('an unmarked resource in a live service\'s place does not count as its own', () => {
    const world = merge({
      proxmox: [container({ vmid: suspended.vmid, owner: null, status: 'stopped' })],
      cloudflare: [record({ id: 'r-y', name: suspended.fqdn, owner: null })],
      npm: [host({ id: 501, domainNames: [suspended.fqdn], forwardHost: suspended.privateIp, owner: null })],
    });
    assert.deepEqual(lines(found([suspended], world)), [
      `missing proxmox container ${suspended.vmid} site-s container-missing`,
      `missing cloudflare A record ${suspended.fqdn} site-s record-missing`,
      `missing npm proxy host for ${suspended.fqdn} site-s host-missing`,
    ]);
  });
});

describe('compare: systems that could not be read', () => {
  it('finds nothing for a system missing from the inventory', () => {
    const { proxmox, cloudflare } = merge(healthy(active));
    const findings = found([active], { proxmox, cloudflare });
    assert.deepEqual(findings, []);
  });
});
