/**
 * Figure 4, webhook latency: `POST /create-site` accepted at 500 requests/s for 20 s (10,000
 * distinct services; quick mode: 50/s for 1 s) by the real daemon, src/main.ts, as its own
 * process against a standalone sandbox (bench/load/sandbox-server.ts: 65,000 loopback
 * addresses; the daemon's VMID range is 100000–199999 by its configuration file).
 *
 * The sandbox runs at time scale 0.02, the default: the workflow's latencies 50× faster, so
 * while later requests arrive the services accepted earlier are being built — containers,
 * SSH installer runs, DNS, proxy hosts, snapshots — as they would be in production, only
 * denser. The daemon logs at `info`, its production level (one access line per request).
 *
 * Before the measured phase the create path is warmed (create-site at 50/s for 2 s, discarded)
 * and the benchmark waits until those services are active, then 5 s more: the storm hits a
 * daemon that has been up a while and is at rest, not one still building its warm-up.
 *
 * The load is open-loop from a separate process (bench/load/open-loop.ts): each request is
 * due at its time and sent then; latency counts from that moment to the end of the answer. Its
 * 256 keep-alive connections are all open before each phase (a figure says if any had to be
 * opened during the storm).
 * Reference, same run, same daemon, same rate and duration, just before: `GET /livez`, the
 * cheapest route (Node's HTTP server and Fastify's routing and hooks, nothing of provisiond).
 *
 * BENCH_CPU_PROF_DIR=<dir> runs the daemon with `--cpu-prof` and leaves the profile there.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Benchmark, BenchOptions, Figure } from './benchmark.js';
import type { LoadPlan, LoadResult } from './load/open-loop.js';
import { BENCH_TOKEN, Processes, startMainDaemon, startSandbox } from './load/stack.js';

const TARGET_P99_MS = 20;

/** User + system CPU seconds a process has used so far (Linux /proc; clock ticks are 1/100 s). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
const TIME_SCALE = 0.02;
/** The longest the warm-up's builds may take to finish before the measured phase. */
const SETTLE_SECONDS = 120;
/** After the warm-up's services are active: the last of them finish in a wave, whose work must end too. */
const QUIET_SECONDS = 5;

async function run({ quick, log }: BenchOptions): Promise<readonly Figure[]> {
  const rate = quick ? 50 : 500;
  const seconds = quick ? 1 : 20;
  const processes = new Processes();
  try {
    const sandboxFile = await startSandbox(processes, TIME_SCALE);
    const profileDir = process.env.BENCH_CPU_PROF_DIR;
    const daemon = await startMainDaemon(processes, sandboxFile, profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir]);
    const warmRate = quick ? rate : 50;
    const warmSeconds = quick ? 0.2 : 2;
    const plan: LoadPlan = {
      origin: daemon.origin,
      token: BENCH_TOKEN,
      // At 500/s a 100 ms stall leaves 50 requests waiting: each must have a connection to be sent on.
      connections: 256,
      phases: [
        // Warm-up, discarded: connections opened, the daemon's hot paths compiled.
        { kind: 'livez', rate, seconds: quick ? 0.2 : 2 },
        { kind: 'livez', rate, seconds },
        // Warm-up of the create path, discarded: its code compiled, and the one-time costs of a
        // daemon's first builds paid (SSH handshakes, the NPM and ISPConfig sessions).
        { kind: 'create-site', rate: warmRate, seconds: warmSeconds, idPrefix: 'warm-' },
        // The storm then hits a daemon that has been up a while and is at rest, as in
        // production: the warm-up's builds finished (not still running when it begins).
        { kind: 'create-site', rate, seconds, idPrefix: 'wl-', settleFirst: { active: Math.round(warmRate * warmSeconds), timeoutSeconds: SETTLE_SECONDS, quietSeconds: quick ? 0 : QUIET_SECONDS } },
      ],
    };
    log(`webhook latency: /livez then create-site, ${rate}/s for ${seconds} s each, open loop`);
    const generator = processes.start(fileURLToPath(new URL('./load/open-loop.ts', import.meta.url)), [JSON.stringify(plan)]);
    const daemonPid = daemon.child.process.pid;
    if (daemonPid === undefined) throw new Error('the daemon has no pid');
    // Both /livez phases, the warm-up, the settling and a margin.
    await generator.line((line) => line.msg === 'open-loop phase' && line.index === 3, (seconds * 2 + 60 + SETTLE_SECONDS + QUIET_SECONDS) * 1000);
    const cpuBefore = cpuSecondsOf(daemonPid);
    const done = await generator.line((line) => line.msg === 'open-loop done', (seconds * 2 + 60) * 1000);
    const daemonCpu = cpuSecondsOf(daemonPid) - cpuBefore;
    const [, livez, , create] = done.results as LoadResult[];
    if (livez === undefined || create === undefined) throw new Error('the load generator reported no results');
    for (const [what, result] of [['livez', livez], ['create-site', create]] as const) {
      const good = result.statuses[what === 'livez' ? '200' : '201'] ?? 0;
      if (good !== result.sent) throw new Error(`${what}: ${good} of ${result.sent} succeeded; statuses ${JSON.stringify(result.statuses)}, errors ${result.errors} (${result.firstError ?? '—'})`);
    }
    log(`webhook latency: generator lag max ${create.lagMaxMs.toFixed(1)} ms; create-site phase took ${(create.elapsedMs / 1000).toFixed(1)} s`);
    log(`webhook latency: worst create-site per second of the phase (ms): ${create.worstPerSecondMs.join(' ')}`);
    await processes.stop(daemon.child, 15_000);
    const group = '4 webhook latency';
    const reference = (pick: (r: LoadResult) => number) => ({ name: `GET /livez, same rate, same daemon`, value: pick(livez) });
    return [
      { group, name: `create-site accepted, p50 (${rate}/s × ${seconds} s)`, value: create.p50, unit: 'ms', reference: reference((r) => r.p50), ratio: create.p50 / livez.p50 },
      {
        group,
        name: 'create-site accepted, p99',
        value: create.p99,
        unit: 'ms',
        reference: reference((r) => r.p99),
        ratio: create.p99 / livez.p99,
        target: { text: `p99 ≤ ${TARGET_P99_MS} ms`, met: create.p99 <= TARGET_P99_MS },
      },
      { group, name: 'create-site accepted, max', value: create.max, unit: 'ms', reference: reference((r) => r.max), ratio: create.max / livez.max },
      { group, name: 'load generator lag, max (distortion check)', value: Math.max(create.lagMaxMs, livez.lagMaxMs), unit: 'ms' },
      { group, name: 'connections opened during the storm (distortion check)', value: create.connectionsOpened, unit: 'connections', reference: { name: 'open before it', value: plan.connections } },
      // Everything the daemon did meanwhile (building the accepted services too), per request:
      // above 1 000 / rate ms it cannot keep up on one core, whatever the latency says.
      { group, name: 'daemon CPU per create-site, building included', value: (daemonCpu * 1000) / create.sent, unit: 'ms', reference: { name: 'the interval between requests', value: 1000 / rate } },
      { group, name: 'create-site answered per second', value: create.sent / (create.elapsedMs / 1000), unit: '/s', reference: { name: 'offered', value: rate } },
    ];
  } finally {
    await processes.close();
  }
}

export const benchmark: Benchmark = {
  name: 'webhook-latency',
  description: 'Figure 4: create-site accepted at 500 requests/s for 20 s (open loop) — p50/p99/max beside GET /livez under the same load',
  run,
};
