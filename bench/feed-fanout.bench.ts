/**
 * Figure 6, feed fan-out: 100 WebSocket subscribers while the daemon commits 1,000 transitions
 * per second (quick mode: 5 subscribers at 200/s) — delivery p99, from the transition's `at`
 * (stamped just before its commit, which publishes it) to its receipt by each subscriber.
 *
 * The transitions come from real provisions: create-site requests paced from this process
 * into the bench daemon (bench/load/daemon-server.ts) with every infrastructure effect
 * succeeding at once, so each provision runs the real machine through its real persisted
 * transitions in a few milliseconds. A warm-up measures how many transitions one provision
 * makes, which sets the request rate; the rate achieved is reported beside the figure. This
 * isolates the fan-out: the daemon's event loop carries the actors, SQLite and the feed, and no
 * effect clients; the subscribers are one separate process (bench/load/feed-subscribers.ts).
 *
 * Reference, same run, same daemon, same rate: one subscriber.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import type { Benchmark, BenchOptions, Figure } from './benchmark.js';
import type { Child } from './load/child.js';
import type { LatencySummary } from './load/percentiles.js';
import { watchSettled } from './load/settle-watch.js';
import { BENCH_TOKEN, Processes, startBenchDaemon, usage, type Daemon, type DaemonUsage } from './load/stack.js';

const TARGET_P99_MS = 50;
/** The share of the target rate a run must reach for its p99 to count. */
const MIN_RATE_SHARE = 0.9;

interface Report extends LatencySummary {
  readonly closedEarly: number;
  readonly received: { readonly min: number; readonly max: number };
  /** The subscriber process's CPU time over the phase. */
  readonly cpuUs: number;
}

interface Phase {
  readonly report: Report;
  /** Transitions committed per second while the phase ran. */
  readonly rate: number;
  readonly transitions: number;
  /** Share of one core each process used over the phase: a share near 1 is the bottleneck. */
  readonly cpu: { readonly daemon: number; readonly subscribers: number };
}

let nextId = 0;

/** create-site requests at `perSecond`, on schedule, for `seconds`; resolves with their count when all are answered. */
async function createPaced(pool: Pool, perSecond: number, seconds: number): Promise<number> {
  const total = Math.max(1, Math.round(perSecond * seconds));
  const start = performance.now();
  const sent: Promise<number>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const id = nextId++;
    sent.push(
      pool
        .request({
          method: 'POST',
          path: '/create-site',
          headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ service_id: `ff-${id}`, email: `ff${id}@example.com`, plan: 'basic', public_ip: '203.0.113.10' }),
        })
        .then(async (response) => {
          await response.body.dump();
          return response.statusCode;
        }),
    );
  }
  const refused = (await Promise.all(sent)).filter((status) => status !== 201);
  if (refused.length > 0) throw new Error(`${refused.length} create-site requests were refused (first: ${refused[0]})`);
  return total;
}

const STALL_MS = 3000;

/**
 * Waits until the daemon has committed through `seq`. A create is answered before its actor
 * runs (src/actors/start-queue.ts), so the answers say nothing about the transitions; the
 * phase lasts until these are committed. Gives up once the seq stops moving for STALL_MS.
 */
async function committedThrough(daemon: Daemon, seq: number): Promise<DaemonUsage> {
  let last = await usage(daemon);
  let movedAt = performance.now();
  while (last.lastSeq < seq && performance.now() - movedAt < STALL_MS) {
    // Not faster: each question leaves an 'exit' listener on the child (bench/load/child.ts).
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await usage(daemon);
    if (now.lastSeq !== last.lastSeq) movedAt = performance.now();
    last = now;
  }
  return last;
}

async function phase(daemon: Daemon, pool: Pool, subscribers: Child, count: number, perProvision: number, createsPerSecond: number, seconds: number): Promise<Phase> {
  const url = `${daemon.origin.replace(/^http/, 'ws')}/v1/events`;
  await subscribers.ask({ type: 'open', count, url, token: BENCH_TOKEN }, 'opened');
  const before = await usage(daemon);
  const start = performance.now();
  const requests = await createPaced(pool, createsPerSecond, seconds);
  const after = await committedThrough(daemon, before.lastSeq + Math.round(requests * perProvision));
  const elapsed = (performance.now() - start) / 1000;
  // The last transitions' delivery: what has not arrived by then shows as received < committed.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const report = await subscribers.ask<Report>({ type: 'report' }, 'report');
  await subscribers.ask({ type: 'close' }, 'closed');
  const transitions = after.lastSeq - before.lastSeq;
  const wall = elapsed * 1e6;
  return { report, rate: transitions / elapsed, transitions, cpu: { daemon: (after.cpuUs - before.cpuUs) / wall, subscribers: report.cpuUs / wall } };
}

const cores = (phase: Phase): string =>
  `CPU daemon ${(phase.cpu.daemon * 100).toFixed(0)} %, subscribers ${(phase.cpu.subscribers * 100).toFixed(0)} % of one core`;

async function run({ quick, log }: BenchOptions): Promise<readonly Figure[]> {
  const targetRate = quick ? 200 : 1000;
  const fanOut = quick ? 5 : 100;
  const seconds = quick ? 1 : 10;
  const processes = new Processes();
  // Both processes start at once; the subscribers are told where to connect when they open.
  const daemonPromise = startBenchDaemon(processes, 'instant', 'feed');
  daemonPromise.catch(() => undefined);
  // BENCH_CPU_PROF_DIR profiles the subscribers as well as the daemon (stack.ts).
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const subscribers = processes.start(fileURLToPath(new URL('./load/feed-subscribers.ts', import.meta.url)), [], { ipc: true, nodeArgs });
  let pool: Pool | undefined;
  try {
    const daemon = await daemonPromise;
    await subscribers.line((line) => line.msg === 'subscribers ready');
    pool = new Pool(daemon.origin, { connections: 32 });
    // Warm-up: how many transitions one provision commits (and the hot paths compiled).
    const warmUp = quick ? 5 : 50;
    const watch = await watchSettled(daemon.origin, BENCH_TOKEN);
    const before = await usage(daemon);
    await createPaced(pool, quick ? 50 : 100, warmUp / (quick ? 50 : 100));
    await watch.until(warmUp, 30_000);
    watch.close();
    const perProvision = ((await usage(daemon)).lastSeq - before.lastSeq) / warmUp;
    const createsPerSecond = targetRate / perProvision;
    log(`feed fan-out: ${perProvision.toFixed(1)} transitions per provision → ${createsPerSecond.toFixed(1)} create-site/s for ${targetRate} transitions/s`);

    const one = await phase(daemon, pool, subscribers, 1, perProvision, createsPerSecond, seconds);
    log(`feed fan-out: 1 subscriber at ${one.rate.toFixed(0)} transitions/s: p99 ${one.report.p99} ms; ${cores(one)}`);
    const many = await phase(daemon, pool, subscribers, fanOut, perProvision, createsPerSecond, seconds);
    log(`feed fan-out: ${fanOut} subscribers at ${many.rate.toFixed(0)} transitions/s: p99 ${many.report.p99} ms, received ${many.report.received.min}–${many.report.received.max} of ${many.transitions}, closed early ${many.report.closedEarly}; ${cores(many)}`);
    if (many.report.closedEarly > 0 || many.report.received.min < many.transitions) {
      log(`feed fan-out: NOTE ${many.report.closedEarly} subscribers were closed early; the fewest transitions received was ${many.report.received.min} of ${many.transitions}`);
    }

    await processes.stop(daemon.child);
    await processes.stop(subscribers);
    const group = '6 feed fan-out';
    const ref = (value: number) => ({ name: `1 subscriber, same rate (${one.rate.toFixed(0)}/s)`, value });
    return [
      {
        group,
        name: `delivery p99, ${fanOut} subscribers at ${many.rate.toFixed(0)} transitions/s`,
        value: many.report.p99,
        unit: 'ms',
        reference: ref(one.report.p99),
        ratio: many.report.p99 / Math.max(1, one.report.p99),
        // Only at the rate the figure is about: a saturated daemon's p99 at a lower rate says nothing.
        target: {
          text: `p99 ≤ ${TARGET_P99_MS} ms at ≥ ${MIN_RATE_SHARE * targetRate}/s`,
          met: many.report.p99 <= TARGET_P99_MS && many.report.closedEarly === 0 && many.rate >= MIN_RATE_SHARE * targetRate,
        },
      },
      { group, name: 'delivery p50', value: many.report.p50, unit: 'ms', reference: ref(one.report.p50) },
      { group, name: 'delivery max', value: many.report.max, unit: 'ms', reference: ref(one.report.max) },
      { group, name: 'transitions/s achieved', value: many.rate, unit: 'transitions/s', reference: { name: '1-subscriber phase', value: one.rate }, ratio: many.rate / one.rate },
      { group, name: 'messages delivered (all subscribers)', value: many.report.count, unit: 'messages', reference: { name: `${fanOut} × transitions committed`, value: fanOut * many.transitions } },
    ];
  } finally {
    await pool?.close();
    await processes.close();
  }
}

export const benchmark: Benchmark = {
  name: 'feed-fanout',
  description: 'Figure 6: 100 WebSocket subscribers at 1,000 transitions/s — delivery p99 beside one subscriber at the same rate',
  run,
};
