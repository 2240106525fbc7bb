/**
 * The executor with injected functions: inventories are read before the database; a check
 * changes nothing; --fix runs each planned step through the matching repair function, records
 * what became of it, goes on after a failure, skips a service whose state changed since it
 * was judged, and bounds how many services are repaired at once. A system that cannot be read
 * is reported and judged not at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RepairStep } from '../../src/reconcile/plan-fixes.js';
import { reconcile, type InventoryReaders, type ReconcilerDeps, type Repairs } from '../../src/reconcile/reconciler.js';
import { exitCodeOf } from '../../src/reconcile/report.js';
import type { Inventory, OwnedService } from '../../src/reconcile/types.js';
import { container, EXPECT, healthy, host, merge, record, service } from './fixtures.js';

interface Recorder {
  readonly calls: string[];
  readonly steps: RepairStep[];
}

/** Repairs that record their steps; `fail` makes one op throw. */
function recordingRepairs(recorder: Recorder, fail: Partial<Record<RepairStep['op'], Error>> = {}, delayMs = 0): Repairs {
  const make = (op: RepairStep['op']) => async (step: RepairStep): Promise<void> => {
    recorder.calls.push(`repair ${op}`);
    recorder.steps.push(step);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    const error = fail[op];
    if (error !== undefined) throw error;
  };
  const ops: RepairStep['op'][] = [
    'startContainer', 'stopContainer', 'destroyContainer', 'ensureDnsRecord', 'deleteDnsRecord', 'ensureProxyHost',
    'ensureDomainProxyHost', 'retargetProxyHost', 'deleteProxyHost', 'ensureDnsZone', 'removeDnsZone',
  ];
  return Object.fromEntries(ops.map((op) => [op, make(op)])) as unknown as Repairs;
}

function readers(recorder: Recorder, inventory: Inventory, broken: Partial<Record<keyof InventoryReaders, Error>> = {}): InventoryReaders {
  const read = <K extends keyof InventoryReaders>(system: K) => async (): Promise<NonNullable<Inventory[K]>> => {
    recorder.calls.push(`read ${system}`);
    const error = broken[system];
    if (error !== undefined) throw error;
    return (inventory[system] ?? []) as NonNullable<Inventory[K]>;
  };
  return { proxmox: read('proxmox'), cloudflare: read('cloudflare'), npm: read('npm'), ispconfig: read('ispconfig') };
}

function deps(recorder: Recorder, services: OwnedService[], inventory: Inventory, extra: Partial<ReconcilerDeps> = {}): ReconcilerDeps {
  const states = new Map(services.map((s) => [s.serviceId, s.state]));
  return {
    inventories: readers(recorder, inventory),
    owned: () => {
      recorder.calls.push('read database');
      return services;
    },
    currentState: (id) => states.get(id),
    repairs: recordingRepairs(recorder),
    expect: EXPECT,
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    ...extra,
  };
}

const active = service({ serviceId: 'site-a' });
const drifted = merge(healthy(active), {
  proxmox: [container({ vmid: 1999, owner: 'ghost' })],
  cloudflare: [record({ id: 'r-ghost', name: 'ghost.sandbox.test', owner: 'ghost' })],
});
// The site's container is stopped while the service is active.
const world: Inventory = { ...drifted, proxmox: drifted.proxmox.map((ct) => (ct.owner === 'site-a' ? { ...ct, status: 'stopped' } : ct)) };

describe('reconcile: checking', () => {
  it('reads every inventory before the database, and changes nothing', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const report = await reconcile(deps(recorder, [active], world), { fix: false });
    assert.deepEqual(recorder.calls, ['read proxmox', 'read cloudflare', 'read npm', 'read ispconfig', 'read database']);
    assert.deepEqual(report.entries.map((e) => [e.finding.kind, e.finding.resource, e.fix]), [
      ['orphan', 'container 1999', undefined],
      ['drift', `container ${active.vmid}`, undefined],
      ['orphan', 'A record ghost.sandbox.test', undefined],
    ]);
    assert.equal(report.fix, false);
    assert.equal(exitCodeOf(report), 1);
  });

  it('exit status 0 when nothing is found', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const report = await reconcile(deps(recorder, [active], healthy(active)), { fix: false });
    assert.deepEqual(report.entries, []);
    assert.equal(exitCodeOf(report), 0);
  });
});

describe('reconcile: fixing', () => {
  it('runs each planned step through its repair and reports every finding fixed', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const report = await reconcile(deps(recorder, [active], world), { fix: true });
    assert.deepEqual(
      [...recorder.steps].sort((a, b) => a.op.localeCompare(b.op)),
      [
        { op: 'deleteDnsRecord', serviceId: 'ghost', id: 'r-ghost', name: 'ghost.sandbox.test' },
        { op: 'destroyContainer', serviceId: 'ghost', vmid: 1999 },
        { op: 'startContainer', serviceId: 'site-a', vmid: active.vmid },
      ],
    );
    assert.deepEqual(report.entries.map((e) => e.fix), [{ status: 'fixed' }, { status: 'fixed' }, { status: 'fixed' }]);
    assert.equal(exitCodeOf(report), 0);
  });

  it('records a failed repair with its code and goes on with the rest', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const refused = Object.assign(new Error('record r-ghost does not carry the marker'), { code: 'NOT_OURS' });
    const report = await reconcile(deps(recorder, [active], world, { repairs: recordingRepairs(recorder, { deleteDnsRecord: refused }) }), { fix: true });
    const byResource = new Map(report.entries.map((e) => [e.finding.resource, e.fix]));
    assert.deepEqual(byResource.get('A record ghost.sandbox.test'), { status: 'failed', message: 'record r-ghost does not carry the marker', code: 'NOT_OURS' });
    assert.deepEqual(byResource.get('container 1999'), { status: 'fixed' });
    assert.equal(exitCodeOf(report), 1);
  });

  it('leaves what is not safe for an operator, without calling anything', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const report = await reconcile(deps(recorder, [active], merge()), { fix: true });
    const missing = report.entries.find((e) => e.finding.resource === `container ${active.vmid}`);
    assert.equal(missing?.fix?.status, 'manual');
    assert.ok(!recorder.steps.some((s) => s.op.endsWith('Container')), 'no container step for a missing container');
  });

  it('deletes nothing when the database is empty', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const report = await reconcile(deps(recorder, [], world), { fix: true });
    assert.deepEqual(recorder.steps, []);
    assert.ok(report.entries.length > 0);
    for (const entry of report.entries) assert.equal(entry.fix?.status, 'manual', entry.finding.resource);
  });

  it('skips a service whose state changed since it was judged, and an orphan whose owner appeared', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const states = new Map([['site-a', 'suspending'], ['ghost', 'pending']]);
    const report = await reconcile(deps(recorder, [active], world, { currentState: (id) => states.get(id) }), { fix: true });
    assert.deepEqual(recorder.steps, []);
    for (const entry of report.entries) assert.equal(entry.fix?.status, 'skipped', entry.finding.resource);
    assert.match((report.entries[1]?.fix as { reason: string }).reason, /site-a is suspending now \(was active\)/);
    assert.match((report.entries[0]?.fix as { reason: string }).reason, /ghost is pending now \(was not in the database\)/);
  });

  it('runs one service\'s steps in order and at most `concurrency` services at once', async () => {
    const services = Array.from({ length: 6 }, (_, i) => service({ serviceId: `many-${i}` }));
    // Each service's site host was renamed: retarget, then ensure, per service.
    const inventory = merge(
      ...services.map((s) => {
        const h = healthy(s);
        return { ...h, npm: h.npm.map((x) => ({ ...x, domainNames: [`renamed-${s.serviceId}.example`] })) };
      }),
    );
    let inFlight = 0;
    let most = 0;
    const order = new Map<string, string[]>();
    const track = (op: string) => async (step: RepairStep): Promise<void> => {
      inFlight++;
      most = Math.max(most, inFlight);
      order.set(step.serviceId, [...(order.get(step.serviceId) ?? []), op]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
    };
    const recorder: Recorder = { calls: [], steps: [] };
    const repairs = { ...recordingRepairs(recorder), retargetProxyHost: track('retarget'), ensureProxyHost: track('ensure') } as Repairs;
    const report = await reconcile(deps(recorder, services, inventory, { repairs, concurrency: 2 }), { fix: true });
    assert.equal(report.entries.length, 6);
    assert.equal(most, 2);
    for (const s of services) assert.deepEqual(order.get(s.serviceId), ['retarget', 'ensure'], s.serviceId);
  });
});

describe('reconcile: a system that cannot be read', () => {
  it('is reported, judges nothing, and the others are still judged', async () => {
    const recorder: Recorder = { calls: [], steps: [] };
    const base = healthy(active);
    const inventory = {
      ...base,
      cloudflare: base.cloudflare.map((r) => ({ ...r, content: '198.51.100.3' })),
      npm: [host({ id: 1, domainNames: ['ghost.example'], owner: 'ghost' })],
    };
    const d = deps(recorder, [active], inventory);
    const broken = { ...d, inventories: readers(recorder, inventory, { npm: new Error('connection to NPM failed (ECONNREFUSED)') }) };
    const report = await reconcile(broken, { fix: false });
    assert.deepEqual(report.unreadable, [{ system: 'npm', message: 'connection to NPM failed (ECONNREFUSED)' }]);
    // Neither the NPM orphan nor the site's "missing" host: only Cloudflare's drift.
    assert.deepEqual(report.entries.map((e) => `${e.finding.kind} ${e.finding.system}`), ['drift cloudflare']);
    assert.equal(exitCodeOf(report), 1);
  });
});
