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
import { BENCH_TOKEN, Processes, startBenchDaemon, usage, type Daemon } from './load/stack.js';

const TARGET_P99_MS = 50;

interface Report extends LatencySummary {
  readonly closedEarly: number;
  readonly received: { readonly min: number; readonly max: number };
}

interface Phase {
  readonly report: Report;
  /** Transitions committed per second while the phase ran. */
  readonly rate: number;
  readonly transitions: number;
}

let nextId = 0;

/** create-site requests at `perSecond`, on schedule, for `seconds`; resolves when all are answered. */
async function createPaced(pool: Pool, perSecond: number, seconds: number): Promise<void> {
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
}

async function phase(daemon: Daemon, pool: Pool, subscribers: Child, count: number, createsPerSecond: number, seconds: number): Promise<Phase> {
  const url = `${daemon.origin.replace(/^http/, 'ws')}/v1/events`;
  await subscribers.ask({ type: 'open', count, url, token: BENCH_TOKEN }, 'opened');
  const before = await usage(daemon);
  const start = performance.now();
  await createPaced(pool, createsPerSecond, seconds);
  // Instant effects: a provision's last transition follows its request by milliseconds.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await usage(daemon);
  const elapsed = (performance.now() - start - 300) / 1000;
  const report = await subscribers.ask<Report>({ type: 'report' }, 'report');
  await subscribers.ask({ type: 'close' }, 'closed');
  const transitions = after.lastSeq - before.lastSeq;
  return { report, rate: transitions / elapsed, transitions };
}

async function run({ quick, log }: BenchOptions): Promise<readonly Figure[]> {
  const targetRate = quick ? 200 : 1000;
  const fanOut = quick ? 5 : 100;
  const seconds = quick ? 1 : 10;
  const processes = new Processes();
  // Both processes start at once; the subscribers are told where to connect when they open.
  const daemonPromise = startBenchDaemon(processes, 'instant', 'feed');
  daemonPromise.catch(() => undefined);
  const subscribers = processes.start(fileURLToPath(new URL('./load/feed-subscribers.ts', import.meta.url)), [], { ipc: true });
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

    const one = await phase(daemon, pool, subscribers, 1, createsPerSecond, seconds);
    log(`feed fan-out: 1 subscriber at ${one.rate.toFixed(0)} transitions/s: p99 ${one.report.p99} ms`);
    const many = await phase(daemon, pool, subscribers, fanOut, createsPerSecond, seconds);
    log(`feed fan-out: ${fanOut} subscribers at ${many.rate.toFixed(0)} transitions/s: p99 ${many.report.p99} ms, received ${many.report.received.min}–${many.report.received.max} of ${many.transitions}, closed early ${many.report.closedEarly}`);
    if (many.report.closedEarly > 0 || many.report.received.min < many.transitions) {
      log(`feed fan-out: NOTE ${many.report.closedEarly} subscribers were closed early; the fewest transitions received was ${many.report.received.min} of ${many.transitions}`);
    }

    await processes.stop(daemon.child);
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
        target: { text: `p99 ≤ ${TARGET_P99_MS} ms`, met: many.report.p99 <= TARGET_P99_MS && many.report.closedEarly === 0 },
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
