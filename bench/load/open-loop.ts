/**
 * Open-loop HTTP load, as its own process: request i is due at start + i/rate and is sent then,
 * whether or not earlier ones were answered — a slow server is not allowed to slow the load
 * down and hide its own queueing (coordinated omission). Latency is counted from the moment a
 * request was due, so time it spent waiting in this generator counts against the server too;
 * `lagMaxMs` says how late this process itself ever was, so a distorted run can be seen.
 *
 * Phases run one after the other over the same connections (a warm-up phase is simply one
 * whose result the caller ignores), so one process start serves a whole benchmark. Before each
 * phase every one of the `connections` is opened (a GET /livez on each at once), as a load
 * tool with a fixed connection count does: left to open on demand, a stall makes the pool open
 * new ones just when the server is behind, and on Node a new connection's first request then
 * waits behind the backlog of the old ones (tens of ms: docs/performance.md §4). That is the
 * sender's connection policy, not the server's latency; `connectionsOpened` says whether any
 * still had to be opened during the phase.
 *
 *   tsx bench/load/open-loop.ts '<json {origin, token, connections, phases: LoadPhase[]}>'
 * Prints one JSON line `{"msg":"open-loop done", results: LoadResult[]}`.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { summarize, type LatencySummary } from './percentiles.js';

export interface LoadPlan {
  readonly origin: string;
  readonly token: string;
  readonly connections: number;
  readonly phases: readonly LoadPhase[];
}

export interface LoadPhase {
  /** `livez`: GET /livez. `create-site`: POST /create-site with a new service per request. */
  readonly kind: 'livez' | 'create-site';
  readonly rate: number;
  readonly seconds: number;
  /** Service ids are `<prefix><i>`, unique across the run. */
  readonly idPrefix?: string;
  /**
   * Before the phase: wait (polling GET /v1/services?state=active) until at least `active`
   * services are active, so the phase starts on a daemon at rest, not in the middle of the
   * builds an earlier phase set off. Fails after `timeoutSeconds`. Then waits `quietSeconds`
   * more: the last builds finish together (their snapshots complete in a wave), and the daemon
   * is at rest only once that wave's work (its commits, its garbage) is done too.
   */
  readonly settleFirst?: { readonly active: number; readonly timeoutSeconds: number; readonly quietSeconds: number };
}

export interface LoadResult extends LatencySummary {
  readonly sent: number;
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly firstError: string | null;
  readonly lagMaxMs: number;
  readonly elapsedMs: number;
  /** The worst latency of the requests due in each second of the phase: where a tail came from. */
  readonly worstPerSecondMs: readonly number[];
  /** Connections the pool still had to open during the phase (all were opened before it). */
  readonly connectionsOpened: number;
}

async function runPhase(pool: Pool, token: string, plan: LoadPhase): Promise<Omit<LoadResult, 'connectionsOpened'>> {
  // At least one request, so a phase always ends.
  const total = Math.max(1, Math.round(plan.rate * plan.seconds));
  const intervalMs = 1000 / plan.rate;
  const latencies: number[] = [];
  const worstPerSecondMs: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let firstError: string | null = null;
  let lagMaxMs = 0;
  let done = 0;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

  const send = async (i: number, dueAt: number): Promise<void> => {
    try {
      const response = plan.kind === 'livez'
        ? await pool.request({ method: 'GET', path: '/livez' })
        : await pool.request({
          method: 'POST',
          path: '/create-site',
          headers,
          body: JSON.stringify({ service_id: `${plan.idPrefix ?? 'bench-'}${i}`, email: `user${i}@example.com`, plan: 'basic', public_ip: '203.0.113.10' }),
        });
      await response.body.dump();
      const latency = performance.now() - dueAt;
      latencies.push(latency);
      const second = Math.floor((i * intervalMs) / 1000);
      worstPerSecondMs[second] = Math.max(worstPerSecondMs[second] ?? 0, latency);
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    } catch (error) {
      errors++;
      firstError ??= error instanceof Error ? error.message : String(error);
    }
    done++;
  };

  const start = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) {
        const dueAt = start + next * intervalMs;
        lagMaxMs = Math.max(lagMaxMs, now - dueAt);
        void send(next, dueAt).then(() => {
          if (done === total) resolve();
        });
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, Math.min(1, start + next * intervalMs - performance.now())));
    };
    tick();
  });
  const elapsedMs = performance.now() - start;
  return { ...summarize(latencies), sent: total, statuses, errors, firstError, lagMaxMs, elapsedMs, worstPerSecondMs: Array.from(worstPerSecondMs, (ms) => Math.round(ms ?? 0)) };
}

/** Services the daemon reports active, counted page by page. */
async function activeCount(pool: Pool, token: string): Promise<number> {
  let count = 0;
  let after: string | null = '';
  while (after !== null) {
    const query = new URLSearchParams({ state: 'active', limit: '500', ...(after === '' ? {} : { after }) });
    const response = await pool.request({ method: 'GET', path: `/v1/services?${query}`, headers: { authorization: `Bearer ${token}` } });
    if (response.statusCode !== 200) throw new Error(`GET /v1/services answered ${response.statusCode}`);
    const page = (await response.body.json()) as { services: unknown[]; next: string | null };
    count += page.services.length;
    after = page.next;
  }
  return count;
}

async function settle(pool: Pool, token: string, wanted: NonNullable<LoadPhase['settleFirst']>): Promise<void> {
  const deadline = performance.now() + wanted.timeoutSeconds * 1000;
  for (;;) {
    const active = await activeCount(pool, token);
    if (active >= wanted.active) return;
    if (performance.now() > deadline) throw new Error(`only ${active} of ${wanted.active} services active after ${wanted.timeoutSeconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Opens every connection of the pool: as many requests at once as it may have connections. */
async function openAll(pool: Pool, connections: number): Promise<void> {
  await Promise.all(Array.from({ length: connections }, async () => {
    const response = await pool.request({ method: 'GET', path: '/livez' });
    await response.body.dump();
  }));
}

async function run(plan: LoadPlan): Promise<LoadResult[]> {
  const pool = new Pool(plan.origin, { connections: plan.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const results: LoadResult[] = [];
  let connectionsOpened = 0;
  pool.on('connect', () => connectionsOpened++);
  for (const [index, phase] of plan.phases.entries()) {
    const { settleFirst } = phase;
    if (settleFirst !== undefined) {
      await settle(pool, plan.token, settleFirst);
      await new Promise((resolve) => setTimeout(resolve, settleFirst.quietSeconds * 1000));
    }
    await openAll(pool, plan.connections);
    connectionsOpened = 0;
    // Lets the benchmark read the daemon's CPU time at each phase's start.
    process.stdout.write(`${JSON.stringify({ msg: 'open-loop phase', index, kind: phase.kind })}\n`);
    results.push({ ...(await runPhase(pool, plan.token, phase)), connectionsOpened });
  }
  await pool.close();
  return results;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
run(plan).then(
  (results) => process.stdout.write(`${JSON.stringify({ msg: 'open-loop done', results })}\n`),
  (error: unknown) => {
    console.error('open-loop:', error);
    process.exit(1);
  },
);
