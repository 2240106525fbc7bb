/**
 * Diagnosis for figure 3, not a figure: N provisions against the zero-latency sandbox (as
 * throughput.bench.ts sends them), then where the time went — per step, from the transition
 * log (how long provisions stayed in each state, median and p90), the daemon's queues sampled
 * every second, and optionally CPU profiles of both processes (summarise with profile-top.ts).
 *
 *   tsx bench/load/throughput-probe.ts [--n 200] [--window 120] [--profile DIR]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { Pool } from 'undici';
import { createSites } from './create-sites.js';
import { watchSettled } from './settle-watch.js';
import { BENCH_TOKEN, Processes, startBenchDaemon, startSandboxProcess, usage } from './stack.js';

interface Row {
  readonly service_id: string;
  readonly to_state: string;
  readonly at: number;
}

const at = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

/** Per state: how long services stayed in it (ms), from one transition to the next. */
function dwellTimes(rows: readonly Row[]): Map<string, number[]> {
  const byService = new Map<string, Row[]>();
  for (const row of rows) byService.set(row.service_id, [...(byService.get(row.service_id) ?? []), row]);
  const dwell = new Map<string, number[]>();
  for (const list of byService.values()) {
    for (let i = 0; i + 1 < list.length; i++) {
      const here = list[i] as Row;
      const next = list[i + 1] as Row;
      dwell.set(here.to_state, [...(dwell.get(here.to_state) ?? []), next.at - here.at]);
    }
  }
  return dwell;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { n: { type: 'string' }, window: { type: 'string' }, profile: { type: 'string' } } });
  const n = Number(values.n ?? '200');
  const windowMs = Number(values.window ?? '120') * 1000;
  if (values.profile !== undefined) {
    process.env.BENCH_CPU_PROF_DIR = join(values.profile, 'daemon');
    process.env.BENCH_SANDBOX_CPU_PROF_DIR = join(values.profile, 'sandbox');
  }
  const processes = new Processes();
  try {
    const sandbox = await startSandboxProcess(processes, 0);
    const sandboxFile = sandbox.file;
    const daemon = await startBenchDaemon(processes, { sandboxFile }, 'probe');
    const watch = await watchSettled(daemon.origin, BENCH_TOKEN);
    const pool = new Pool(daemon.origin, { connections: 100 });
    const before = await usage(daemon);
    const start = performance.now();
    const sampler = setInterval(() => {
      void usage(daemon).then((u) => {
        const t = ((performance.now() - start) / 1000).toFixed(0);
        process.stderr.write(`t=${t}s active=${watch.active} seq=${u.lastSeq} queues=${JSON.stringify(u.queues)}\n`);
      });
    }, 5000);
    await createSites(pool, n);
    await watch.until(n, windowMs).catch((error: unknown) => process.stderr.write(`${String(error)}\n`));
    const seconds = (performance.now() - start) / 1000;
    clearInterval(sampler);
    const after = await usage(daemon);
    const control = (JSON.parse(readFileSync(sandboxFile, 'utf8')) as { control: { url: string } }).control.url;
    const counters = ((await (await fetch(`${control}/counters`)).json()) as { counters: Record<string, { calls: number }> }).counters;
    const calls = Object.entries(counters).filter(([, c]) => c.calls >= n / 2).sort((a, b) => b[1].calls - a[1].calls);
    process.stdout.write(`sandbox calls per provision:\n${calls.map(([op, c]) => `  ${op.padEnd(40)} ${(c.calls / n).toFixed(2)}`).join('\n')}\n`);
    const transitions = after.lastSeq - before.lastSeq;
    process.stdout.write(
      `${watch.active} active, ${watch.failed} failed of ${n} in ${seconds.toFixed(1)} s: ${(watch.active / seconds).toFixed(2)} provisions/s, ` +
        `${(transitions / seconds).toFixed(1)} transitions/s, ${((after.cpuUs - before.cpuUs) / 1000 / transitions).toFixed(2)} CPU ms/transition, peak RSS ${(after.maxRssKiB / 1024).toFixed(0)} MiB\n`,
    );
    watch.close();
    await pool.close();
    await processes.stop(daemon.child, 10_000);
    await processes.stop(sandbox.child, 10_000);
    const db = new Database(join(processes.dir, 'probe.db'), { readonly: true });
    const rows = db.prepare('SELECT service_id, to_state, at FROM transitions ORDER BY seq').all() as Row[];
    db.close();
    const lines = [...dwellTimes(rows)].map(([state, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      const total = ms.reduce((a, b) => a + b, 0);
      return `${state.padEnd(70)} n=${String(ms.length).padStart(5)} median ${String(at(sorted, 0.5)).padStart(7)} ms  p90 ${String(at(sorted, 0.9)).padStart(7)} ms  sum ${(total / 1000).toFixed(0)} s`;
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await processes.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
