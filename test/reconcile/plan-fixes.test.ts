/**
 * The fix plan: which findings are repaired and how, as data; and the never-touch-unmarked
 * rule over many generated worlds — every step that changes or removes something targets a
 * resource carrying the marker of exactly the service id the step names, and every create
 * step is for a live service of the database.
 */
import assert from 'node:assert/strict';
import { seededRandom } from '../support/seeded-random.js';
import { describe, it } from 'node:test';
import { compare } from '../../src/reconcile/compare.js';
import { planFixes, type RepairStep } from '../../src/reconcile/plan-fixes.js';
import type { Finding, Inventory, Issue, OwnedService } from '../../src/reconcile/types.js';
import { EXPECT, PUBLIC_IP } from './fixtures.js';

const site = { name: 'a.sandbox.test', customDomain: false, privateIp: '127.42.0.101', publicIp: PUBLIC_IP };
const custom = { ...site, name: 'shop.example.org', customDomain: true };

function planOf(issue: Issue, serviceId = 'svc-1'): ReturnType<typeof planFixes>[number]['repair'] {
  const finding: Finding = { kind: 'drift', system: 'proxmox', resource: 'r', serviceId, detail: 'd', serviceState: 'active', issue };
  const [planned] = planFixes([finding]);
  assert.ok(planned);
  return planned.repair;
}

describe('planFixes: what each finding becomes', () => {
  const cases: [Issue, RepairStep[] | 'manual'][] = [
    [{ type: 'container-orphan', owner: 'ghost', vmid: 1999 }, [{ op: 'destroyContainer', serviceId: 'ghost', vmid: 1999 }]],
    [{ type: 'container-stray', owner: 'svc-1', vmid: 1500 }, 'manual'],
    [{ type: 'container-missing', vmid: 1001 }, 'manual'],
    [{ type: 'container-power', vmid: 1001, want: 'running' }, [{ op: 'startContainer', serviceId: 'svc-1', vmid: 1001 }]],
    [{ type: 'container-power', vmid: 1001, want: 'stopped' }, [{ op: 'stopContainer', serviceId: 'svc-1', vmid: 1001 }]],
    [{ type: 'record-orphan', owner: 'ghost', id: 'r1', name: 'g.sandbox.test' }, [{ op: 'deleteDnsRecord', serviceId: 'ghost', id: 'r1', name: 'g.sandbox.test' }]],
    [{ type: 'record-missing', fqdn: site.name, publicIp: PUBLIC_IP }, [{ op: 'ensureDnsRecord', serviceId: 'svc-1', fqdn: site.name, publicIp: PUBLIC_IP }]],
    [{ type: 'record-content', fqdn: site.name, publicIp: PUBLIC_IP }, [{ op: 'ensureDnsRecord', serviceId: 'svc-1', fqdn: site.name, publicIp: PUBLIC_IP }]],
    [{ type: 'host-orphan', owner: 'ghost', id: 9, domain: 'g.sandbox.test' }, [{ op: 'deleteProxyHost', serviceId: 'ghost', id: 9, domain: 'g.sandbox.test' }]],
    [{ type: 'host-missing', site }, [{ op: 'ensureProxyHost', serviceId: 'svc-1', fqdn: site.name, privateIp: site.privateIp }]],
    [{ type: 'host-forward', site: custom }, [{ op: 'ensureDomainProxyHost', serviceId: 'svc-1', domain: custom.name, privateIp: site.privateIp, publicIp: PUBLIC_IP }]],
    [
      { type: 'host-names', id: 4, site },
      [
        { op: 'retargetProxyHost', serviceId: 'svc-1', id: 4, domain: site.name, privateIp: site.privateIp },
        { op: 'ensureProxyHost', serviceId: 'svc-1', fqdn: site.name, privateIp: site.privateIp },
      ],
    ],
    [{ type: 'zone-orphan', owner: 'ghost', domain: 'g.example' }, [{ op: 'removeDnsZone', serviceId: 'ghost', domain: 'g.example' }]],
    [
      { type: 'zone-missing', domain: custom.name, publicIp: PUBLIC_IP, privateIp: site.privateIp },
      [{ op: 'ensureDnsZone', serviceId: 'svc-1', domain: custom.name, publicIp: PUBLIC_IP, privateIp: site.privateIp }],
    ],
    [
      { type: 'zone-records', domain: custom.name, publicIp: PUBLIC_IP, privateIp: site.privateIp },
      [{ op: 'ensureDnsZone', serviceId: 'svc-1', domain: custom.name, publicIp: PUBLIC_IP, privateIp: site.privateIp }],
    ],
  ];
  for (const [issue, expected] of cases) {
    it(`${issue.type}${issue.type === 'container-power' ? ` (${issue.want})` : ''} → ${expected === 'manual' ? 'left for an operator' : expected.map((s) => s.op).join(', ')}`, () => {
      const repair = planOf(issue);
      if (expected === 'manual') {
        assert.equal(repair.safe, false);
        assert.ok(!repair.safe && repair.reason.length > 0);
      } else {
        assert.deepEqual(repair, { safe: true, steps: expected });
      }
    });
  }

  it('deletes nothing when the database knows no service at all (probably not the daemon\'s database)', () => {
    const orphans: Issue[] = [
      { type: 'container-orphan', owner: 'g', vmid: 1 }, { type: 'record-orphan', owner: 'g', id: 'r', name: 'n' },
      { type: 'host-orphan', owner: 'g', id: 1, domain: 'd' }, { type: 'zone-orphan', owner: 'g', domain: 'd' },
    ];
    const findings = orphans.map((issue): Finding => ({ kind: 'orphan', system: 'npm', resource: 'r', serviceId: 'g', detail: 'd', issue }));
    for (const { repair } of planFixes(findings, { databaseEmpty: true })) {
      assert.equal(repair.safe, false);
      assert.match(!repair.safe ? repair.reason : '', /is it the daemon's database/);
    }
    assert.ok(planFixes(findings).every(({ repair }) => repair.safe));
  });

  it('plans nothing for a busy service', () => {
    const busy: Finding = { kind: 'busy', system: 'provisiond', resource: 'service x', serviceId: 'x', detail: 'd', serviceState: 'provisioning' };
    assert.deepEqual(planFixes([busy]), []);
  });
});

/** A small deterministic generator (mulberry32), so a failing world can be replayed by its seed. */
function generator(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T } {
  const next = seededRandom(seed);
  return { int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)] as never };
}

const STATES = ['active', 'suspended', 'deleted', 'failed', 'provisioning', 'suspending', 'deleting'];
const DOMAIN_STATES = ['active', 'active', 'verifying', 'removing', 'failed'];

/** Services s0…s3 and resources owned at random by them, by strangers (`ghost-*`) or by nobody (null). */
function world(seed: number): { services: OwnedService[]; inventory: Required<Inventory> } {
  const g = generator(seed);
  const services: OwnedService[] = Array.from({ length: 4 }, (_, i) => ({
    serviceId: `s${i}`, state: g.pick(STATES), step: null, vmid: 1000 + i, privateIp: `127.42.0.${100 + i}`, publicIp: PUBLIC_IP,
    fqdn: `s${i}.sandbox.test`, domains: g.int(2) === 0 ? [] : [{ domain: `d${i}.example`, state: g.pick(DOMAIN_STATES) }],
  }));
  const owner = (): string | null => g.pick([null, null, 's0', 's1', 's2', 's3', 'ghost-1', 'ghost-2']);
  const vmid = (): number => g.pick([1000, 1001, 1002, 1003, 1500, 1999]);
  const name = (): string => g.pick(['s0.sandbox.test', 's1.sandbox.test', 's2.sandbox.test', 'x.sandbox.test', 'd0.example', 'd1.example', 'd3.example']);
  const ip = (): string => g.pick([PUBLIC_IP, '198.51.100.1', '127.42.0.100', '127.42.0.101']);
  const count = (): number => g.int(6);
  return {
    services,
    inventory: {
      proxmox: [...new Set(Array.from({ length: count() }, vmid))].map((v) => ({ vmid: v, node: 'node1', status: g.pick(['running', 'stopped', 'unknown']), owner: owner(), ip: null })),
      cloudflare: Array.from({ length: count() }, (_, i) => ({ id: `r${i}`, name: name(), type: g.pick(['A', 'A', 'TXT']), content: ip(), owner: owner() })),
      npm: Array.from({ length: count() }, (_, i) => ({ id: i + 1, domainNames: g.int(3) === 0 ? [name(), name()] : [name()], forwardHost: ip(), forwardPort: g.pick([EXPECT.sitePort, 80]), owner: owner() })),
      ispconfig: Array.from({ length: count() }, () => ({ domain: name(), owner: owner(), zoneId: g.pick([null, 5]), aRecords: [{ name: 'd0.example', data: ip() }] })),
    },
  };
}

/** Does the resource a destructive or modifying step targets carry the marker of the step's service id? */
function targetIsMarkedFor(step: RepairStep, inventory: Required<Inventory>): boolean {
  switch (step.op) {
    case 'destroyContainer':
    case 'startContainer':
    case 'stopContainer':
      return inventory.proxmox.some((ct) => ct.vmid === step.vmid && ct.owner === step.serviceId);
    case 'deleteDnsRecord':
      return inventory.cloudflare.some((r) => r.id === step.id && r.owner === step.serviceId);
    case 'deleteProxyHost':
      return inventory.npm.some((h) => h.domainNames[0] === step.domain && h.owner === step.serviceId);
    case 'retargetProxyHost':
      return inventory.npm.some((h) => h.id === step.id && h.owner === step.serviceId);
    case 'removeDnsZone':
      return inventory.ispconfig.some((z) => z.domain === step.domain && z.owner === step.serviceId);
    default:
      return true;
  }
}

describe('planFixes: the never-touch-unmarked rule over 2,000 generated worlds', () => {
  it('every step acts only on a resource marked for its service id, and creates only for live services', () => {
    let steps = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const { services, inventory } = world(seed);
      const live = new Set(services.filter((s) => s.state === 'active' || s.state === 'suspended').map((s) => s.serviceId));
      const busy = new Set(services.filter((s) => !['active', 'suspended', 'deleted', 'failed'].includes(s.state)).map((s) => s.serviceId));
      const findings = compare({ services, inventory, expect: EXPECT });
      for (const { finding, repair } of planFixes(findings)) {
        assert.ok(!busy.has(finding.serviceId), `seed ${seed}: a repair for busy service ${finding.serviceId}`);
        if (!repair.safe) continue;
        for (const step of repair.steps) {
          steps++;
          assert.ok(targetIsMarkedFor(step, inventory), `seed ${seed}: ${JSON.stringify(step)} targets something not marked for ${step.serviceId}`);
          if (step.op.startsWith('ensure')) assert.ok(live.has(step.serviceId), `seed ${seed}: ${step.op} for ${step.serviceId}, which is not live`);
        }
      }
    }
    // The worlds must actually exercise the plan, or the rule above proves nothing.
    assert.ok(steps > 2000, `only ${steps} steps were planned`);
  });
});
