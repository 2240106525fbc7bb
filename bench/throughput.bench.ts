/**
 * Figure 3, throughput: N provisions sent at once (1,000; 20 in quick mode) to a daemon process
 * driving a zero-latency sandbox (time scale 0, its own process), timed from the first request
 * until the feed has shown every service `active` (or `failed`), or a 3-minute window ends
 * (then every figure is taken over the window, and the log says how many settled). Per run: provisions and
 * transitions per second, the daemon's CPU time per provision (its own process.cpuUsage(),
 * asked over IPC before and after) and its peak RSS (resourceUsage().maxRSS).
 *
 * Reference, same run: the same N provisions against the same daemon composition with every
 * infrastructure effect succeeding at once — the actors, SQLite commits, HTTP accept path and
 * feed alone, i.e. what provisiond costs before it talks to anyone. The gap between the two is
 * the effect clients' work (HTTP, SSH, polling) and the per-system concurrency limits
 * (Proxmox 10 requests in flight, SSH 4 per node, NPM 4, ISPConfig 4, Cloudflare 10).
 *
 * The daemon is bench/load/daemon-server.ts, not src/main.ts, because the Cloudflare budget
 * (1,200 calls per 5 minutes, 2 calls per provision) must be lifted for 1,000 provisions to
 * measure provisiond rather than Cloudflare's window; with the real budget the sustained
 * ceiling is 600 provisions per 5 minutes per token (2/s), whatever provisiond does.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Benchmark, BenchOptions, Figure } from './benchmark.js';
import { createSites } from './load/create-sites.js';
import { watchSettled } from './load/settle-watch.js';
import { BENCH_TOKEN, Processes, startBenchDaemon, startSandbox, usage } from './load/stack.js';

/** Transitions one provision commits (pending … active), measured: 12 in both runs. */
const PROVISION_TRANSITIONS = 12;

interface Run {
  readonly settled: number;
  readonly provisionsPerSecond: number;
  readonly transitionsPerSecond: number;
  readonly cpuMsPerTransition: number;
  /** CPU per transition × 12: comparable even when a run ends with provisions half done. */
  readonly cpuMsPerProvision: number;
  readonly peakRssMiB: number;
  readonly failed: number;
  readonly seconds: number;
}

async function provisionAll(processes: Processes, target: { sandboxFile: string } | 'instant', n: number, timeoutMs: number, name: string, log: (line: string) => void): Promise<Run> {
  const daemon = await startBenchDaemon(processes, target, name);
  const watch = await watchSettled(daemon.origin, BENCH_TOKEN);
  // Enough connections that the accept path, not this client, is what queues.
  const pool = new Pool(daemon.origin, { connections: 100 });
  try {
    const before = await usage(daemon);
    const start = performance.now();
    const statuses = await createSites(pool, n);
    const refused = statuses.filter((status) => status !== 201);
    if (refused.length > 0) throw new Error(`${refused.length} of ${n} create-site requests were refused (first: ${refused[0]})`);
    // A run that does not finish within the window is measured over the window: what settled,
    // what was committed, what it cost (the log says how many settled).
    await watch.until(n, timeoutMs).catch((error: unknown) => log(`throughput: ${name}: ${error instanceof Error ? error.message : String(error)}; measured over the window`));
    const seconds = (performance.now() - start) / 1000;
    const after = await usage(daemon);
    const transitions = after.lastSeq - before.lastSeq;
    const settled = watch.active + watch.failed;
    const cpuMsPerTransition = (after.cpuUs - before.cpuUs) / 1000 / transitions;
    return {
      settled,
      provisionsPerSecond: settled / seconds,
      transitionsPerSecond: transitions / seconds,
      cpuMsPerTransition,
      cpuMsPerProvision: cpuMsPerTransition * PROVISION_TRANSITIONS,
      peakRssMiB: after.maxRssKiB / 1024,
      failed: watch.failed,
      seconds,
    };
  } finally {
    watch.close();
    await pool.close();
    await processes.stop(daemon.child);
  }
}

async function run({ quick, log }: BenchOptions): Promise<readonly Figure[]> {
  const n = quick ? 20 : 1000;
  // Full mode: a window of 3 minutes (1,000 settled in 95 s at load 5; docs/performance.md §3).
  const timeoutMs = quick ? 30_000 : 180_000;
  const processes = new Processes();
  try {
    // The sandbox starts while the reference runs: it sits idle until the second run.
    const sandboxFile = startSandbox(processes, 0);
    // Awaited below; this only keeps a failure from being unhandled while the reference runs.
    sandboxFile.catch(() => undefined);
    log(`throughput: ${n} provisions with instant effects (reference)`);
    const reference = await provisionAll(processes, 'instant', n, timeoutMs, 'instant', log);
    log(`throughput: reference ${reference.provisionsPerSecond.toFixed(1)} provisions/s; now ${n} against the zero-latency sandbox`);
    const measured = await provisionAll(processes, { sandboxFile: await sandboxFile }, n, timeoutMs, 'sandbox', log);
    log(`throughput: ${measured.settled} of ${n} settled in ${measured.seconds.toFixed(1)} s, ${measured.failed} failed`);
    if (measured.failed > 0 || reference.failed > 0) throw new Error(`provisions failed: ${measured.failed} against the sandbox, ${reference.failed} with instant effects`);
    const group = '3 throughput';
    const refName = `same ${n}, effects instant (${reference.settled} settled)`;
    const line = (name: string, unit: string, pick: (r: Run) => number): Figure => ({
      group,
      name,
      value: pick(measured),
      unit,
      reference: { name: refName, value: pick(reference) },
      ratio: pick(measured) / pick(reference),
    });
    return [
      line(`provisions/s (${n} concurrent, sandbox at time scale 0; ${measured.settled} settled in ${measured.seconds.toFixed(0)} s)`, 'provisions/s', (r) => r.provisionsPerSecond),
      line('transitions/s', 'transitions/s', (r) => r.transitionsPerSecond),
      line('daemon CPU per transition', 'CPU ms', (r) => r.cpuMsPerTransition),
      line('daemon CPU per provision (per transition × 12)', 'CPU ms', (r) => r.cpuMsPerProvision),
      line('daemon peak RSS', 'MiB', (r) => r.peakRssMiB),
    ];
  } finally {
    await processes.close();
  }
}

export const benchmark: Benchmark = {
  name: 'throughput',
  description: 'Figure 3: 1,000 concurrent provisions against a zero-latency sandbox — provisions/s, transitions/s, daemon CPU per provision, peak RSS',
  run,
};
