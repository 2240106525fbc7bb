/**
 * The chaos run's judges, judged: on a world built by hand, the checks pass what is sound and
 * name each kind of damage a crash could leave — a leftover, a second copy, a missing piece, a
 * record in a deleted zone, a hole or a break in the transition log, a corrupt file — and the
 * plan is a function of the seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceWire } from './daemon-client.js';
import type { DatabaseReading } from './database-reading.js';
import { checkWorld, type Intent } from './invariants.js';
import { checkDatabase } from './log-invariants.js';
import { planRun } from './run-plan.js';
import { markerOwner, type Inventory } from './sandbox-inventory.js';

function view(serviceId: string, state: string, vmid: number, domains: ServiceWire['domains'] = []): ServiceWire {
  return { service_id: serviceId, state, step: null, busy: false, vmid, private_ip: `127.42.0.${vmid - 900}`, fqdn: `${serviceId}.sandbox.test`, failure: null, last_error: null, domains };
}

const intents: Intent[] = [
  { serviceId: 'a', final: 'active', domain: 'shop.example.org' },
  { serviceId: 'b', final: 'suspended', domain: null },
  { serviceId: 'c', final: 'deleted', domain: null },
];
const views = [
  view('a', 'active', 1000, [{ domain: 'shop.example.org', state: 'active', error: null }]),
  view('b', 'suspended', 1001),
  // c's VMID went back to the pool; its record keeps the old one.
  view('c', 'deleted', 1002),
];
const sound: Inventory = {
  containers: [
    { vmid: 1000, node: 'node1', status: 'running', owner: 'a' },
    { vmid: 1001, node: 'node2', status: 'stopped', owner: 'b' },
  ],
  haResources: [{ sid: 'ct:1000' }, { sid: 'ct:1001' }],
  haRules: [{ rule: 'provisiond-1000', sids: ['ct:1000'] }],
  dnsRecords: [
    { name: 'a.sandbox.test', type: 'A', owner: 'a' },
    { name: 'b.sandbox.test', type: 'A', owner: 'b' },
  ],
  proxyHosts: [
    { id: 1, names: ['a.sandbox.test'], owner: 'a' },
    { id: 2, names: ['b.sandbox.test'], owner: 'b' },
    { id: 3, names: ['shop.example.org'], owner: 'a' },
  ],
  certificates: [
    { id: 1, names: ['a.sandbox.test'] },
    { id: 2, names: ['shop.example.org'] },
  ],
  zones: [{ id: 4, origin: 'shop.example.org', owners: ['a'] }],
  strayRecords: [],
  sites: [{ vmid: 1000, ip: '127.42.0.100' }],
};

describe('chaos invariants: the world after the run', () => {
  it('passes a sound world', () => {
    assert.deepEqual(checkWorld(intents, views, sound).violations, []);
  });

  it('names a deleted service’s leftovers as orphans, whatever the system', () => {
    const leftovers: Inventory = {
      ...sound,
      containers: [...sound.containers, { vmid: 1002, node: 'node1', status: 'stopped', owner: 'c' }],
      dnsRecords: [...sound.dnsRecords, { name: 'c.sandbox.test', type: 'A', owner: 'c' }],
      proxyHosts: [...sound.proxyHosts, { id: 9, names: ['c.sandbox.test'], owner: null }],
      certificates: [...sound.certificates, { id: 9, names: ['c.sandbox.test'] }],
      strayRecords: [{ zone: 3, name: '_provisiond.old.example.org.', type: 'TXT' }],
      sites: [...sound.sites, { vmid: 1002, ip: '127.42.0.102' }],
      haResources: [...sound.haResources, { sid: 'ct:1002' }],
    };
    const findings = checkWorld(intents, views, leftovers);
    assert.equal(findings.orphans.length, 7, findings.orphans.join('\n'));
    assert.deepEqual(findings.duplicates, []);
  });

  it('names second copies as duplicates and missing pieces as violations', () => {
    const damaged: Inventory = {
      ...sound,
      containers: [...sound.containers, { vmid: 1005, node: 'node2', status: 'running', owner: 'a' }],
      dnsRecords: [...sound.dnsRecords, { name: 'a.sandbox.test', type: 'A', owner: 'a' }],
      proxyHosts: sound.proxyHosts.filter((h) => h.id !== 3),
    };
    const findings = checkWorld(intents, views, damaged);
    assert.equal(findings.duplicates.length, 2, findings.duplicates.join('\n'));
    assert.ok(findings.violations.includes('a: no proxy host shop.example.org'), findings.violations.join('\n'));
  });

  it('flags a service that is not where its script ends, or a container in the wrong power state', () => {
    const wrong = [view('a', 'failed', 1000), views[1] as ServiceWire, views[2] as ServiceWire];
    const stopped: Inventory = { ...sound, containers: sound.containers.map((c) => ({ ...c, status: 'stopped' })) };
    const violations = checkWorld(intents, wrong, sound).violations;
    assert.ok(violations.some((v) => v.startsWith('a: intended active, is state=failed')), violations.join('\n'));
    assert.ok(checkWorld(intents, views, stopped).violations.includes('a: is active but container 1000 is stopped'));
  });

  it('reads markers as the README states them', () => {
    assert.equal(markerOwner('provisiond:svc-1'), 'svc-1');
    assert.equal(markerOwner('# provisiond:svc-2\nlocation / {}'), 'svc-2');
    assert.equal(markerOwner('a site\nprovisiond:svc-3'), 'svc-3');
    assert.equal(markerOwner('someone else’s'), null);
    assert.equal(markerOwner(undefined), null);
  });
});

describe('chaos invariants: the database after the run', () => {
  const sane: DatabaseReading = {
    transitions: [
      { seq: 1, serviceId: 'a', from: null, to: 'pending' },
      { seq: 2, serviceId: 'b', from: null, to: 'pending' },
      { seq: 3, serviceId: 'a', from: 'pending', to: 'allocating' },
      { seq: 4, serviceId: 'a', from: 'allocating', to: 'provisioning.building.site.container.running|provisioning.building.dnsRecord.running' },
      { seq: 5, serviceId: 'b', from: 'pending', to: 'deleted' },
    ],
    services: [
      { serviceId: 'a', state: 'provisioning', liveAllocations: 1 },
      { serviceId: 'b', state: 'deleted', liveAllocations: 0 },
    ],
    incompleteInbox: 0,
    integrity: ['ok'],
    foreignKeyProblems: 0,
  };

  it('passes a gapless log whose chains are continuous', () => {
    assert.deepEqual(checkDatabase(sane, ['a', 'b']), []);
  });

  it('names a hole in seq, a broken chain, a stray allocation, an unfinished delivery and corruption', () => {
    const broken: DatabaseReading = {
      ...sane,
      transitions: [sane.transitions[0], { seq: 3, serviceId: 'b', from: 'allocating', to: 'deleted' }].filter((t) => t !== undefined),
      services: [
        { serviceId: 'a', state: 'pending', liveAllocations: 2 },
        { serviceId: 'b', state: 'deleted', liveAllocations: 0 },
      ],
      incompleteInbox: 1,
      integrity: ['row 3 missing from index transitions_by_service'],
    };
    const problems = checkDatabase(broken, ['a', 'b']);
    assert.deepEqual(problems, [
      'transition log: row 2 has seq 3 where 2 was due (a gap or a reused number)',
      'transition log: b seq 3 starts from allocating but its previous row ended in nothing',
      'database: a (pending) holds 2 live allocations, should hold 1',
      'inbox: 1 accepted deliveries were never completed',
      'PRAGMA integrity_check: row 3 missing from index transitions_by_service',
    ]);
  });
});

describe('chaos plan', () => {
  it('is a function of the seed: scripts, start points and kill moments', () => {
    const options = { seed: 42, services: 12, kills: 20 };
    assert.deepEqual(planRun(options), planRun(options));
    assert.notDeepEqual(planRun(options).kills, planRun({ ...options, seed: 43 }).kills);
    // Adding services does not move the kills: each has its own stream.
    assert.deepEqual(planRun({ ...options, services: 13 }).kills, planRun(options).kills);
  });

  it('covers every ending and starts each service with create', () => {
    const plan = planRun({ seed: 1, services: 40, kills: 50 });
    assert.deepEqual(new Set(plan.scripts.map((s) => s.final)), new Set(['active', 'suspended', 'deleted']));
    assert.ok(plan.scripts.every((s) => s.actions[0]?.kind === 'create'));
    assert.ok(plan.scripts.some((s) => s.domain !== null), 'some live service keeps a custom domain');
    assert.ok(plan.scripts.every((s) => s.startAfterKill <= 42), 'services start within the first 85 % of the kills');
    assert.equal(plan.kills.length, 50);
  });
});
