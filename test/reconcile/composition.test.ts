/**
 * The composition's two pieces that are not the systems: reading owned services from a real
 * SQLite store (every page, deleted services included, removed custom domains left out), and
 * the daemon's periodic loop with a stand-in reconciler (runs never overlap, standing findings
 * are logged, stop() cancels the run in flight and waits for it).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { ownedServices, startReconcileLoop, type Reconciler } from '../../src/reconcile-composition.js';
import type { Report } from '../../src/reconcile/report.js';
import { newService, policy, tempStore, transition } from '../persistence/helpers.js';

describe('ownedServices', () => {
  it('reads every service across pages, with its state, FQDN and live custom domains', (t) => {
    const { store } = tempStore(t);
    const wide = policy({ ipPool: { first: '127.1.0.1', last: '127.1.3.250' }, vmidRange: { first: 1000, last: 2999 } });
    for (let i = 0; i < 520; i++) store.services.create(newService(`svc-${String(i).padStart(3, '0')}`, { email: `Site${i}@example.com` }), wide, 1_000);
    store.actors.commit(transition('svc-001', { state: 'active', to: 'active' }));
    store.actors.commit(transition('svc-002', { state: 'deleted', to: 'deleted', final: true }));
    store.domains.upsert({ serviceId: 'svc-001', domain: 'Shop.Example.org', state: 'active', verificationToken: 't1' }, 2_000);
    store.domains.upsert({ serviceId: 'svc-001', domain: 'old.example.org', state: 'active', verificationToken: 't2' }, 2_000);
    store.domains.markRemoved('svc-001', 'old.example.org', 3_000);

    const services = ownedServices(store, 'Sandbox.Test');
    assert.equal(services.length, 520);
    assert.equal(new Set(services.map((s) => s.serviceId)).size, 520);
    const one = services.find((s) => s.serviceId === 'svc-001');
    assert.equal(one?.state, 'active');
    assert.equal(one?.fqdn, `${store.services.get('svc-001')?.subdomain}.sandbox.test`);
    assert.deepEqual(one?.domains, [{ domain: 'shop.example.org', state: 'active' }]);
    assert.equal(services.find((s) => s.serviceId === 'svc-002')?.state, 'deleted');
    assert.equal(services.find((s) => s.serviceId === 'svc-519')?.state, 'pending');
  });
});

describe('startReconcileLoop', () => {
  const report = (at: number): Report => ({
    at, fix: false, unreadable: [{ system: 'npm', message: 'connection refused' }],
    entries: [{ finding: { kind: 'orphan', system: 'proxmox', resource: 'container 1999', serviceId: 'ghost', detail: 'carries the marker of service ghost' } }],
  });

  it('runs every interval without overlap, logs what stands, and stop() cancels and waits for the run in flight', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    let runs = 0;
    let inFlight = 0;
    let overlapped = false;
    let lastSignal: AbortSignal | undefined;
    const reconciler: Reconciler = {
      run: async ({ signal }) => {
        runs++;
        overlapped ||= inFlight > 0;
        inFlight++;
        lastSignal = signal;
        // Longer than the interval: a second run must wait for this one.
        await new Promise((resolve) => setTimeout(resolve, 40));
        inFlight--;
        return report(runs);
      },
      close: async () => undefined,
    };
    const loop = startReconcileLoop({ reconciler, intervalMs: 10, fix: false, logger });
    const deadline = Date.now() + 10_000;
    while (runs < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(runs >= 3, `three runs within 10 s, saw ${runs}`);
    await loop.stop();
    const stoppedAt = runs;
    assert.equal(inFlight, 0, 'stop() waited for the run in flight');
    assert.equal(lastSignal?.aborted, true, 'the run in flight was told to stop');
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.equal(runs, stoppedAt, 'no run after stop()');
    assert.equal(overlapped, false);
    const finding = lines.find((l) => l.msg === 'reconcile: finding');
    assert.equal(finding?.resource, 'container 1999');
    assert.equal(finding?.level, 40);
    assert.ok(lines.some((l) => l.msg === 'reconcile: system not read' && l.system === 'npm'));
    assert.ok(lines.some((l) => l.msg === 'reconcile: run finished' && l.remaining === 1));
  });

  it('logs a run that throws and keeps going', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
    let runs = 0;
    const reconciler: Reconciler = {
      run: async () => {
        runs++;
        if (runs === 1) throw new Error('proxmox: connection refused');
        return report(runs);
      },
      close: async () => undefined,
    };
    const loop = startReconcileLoop({ reconciler, intervalMs: 5, fix: true, logger });
    const deadline = Date.now() + 10_000;
    while (runs < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    await loop.stop();
    assert.ok(runs >= 2, `a second run after the failure, saw ${runs}`);
    assert.ok(lines.some((l) => l.msg === 'reconcile: run failed' && l.level === 50));
  });
});
