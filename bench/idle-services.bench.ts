/**
 * Figure 5, scale of idle services: the daemon booted on a database of 10,000 and of 100,000
 * `active` services — time from process start to the first 200 of /readyz, and peak RSS —
 * each beside the same boot on an empty database (the fixed cost), measured in the same run.
 *
 * The databases are clones of one real persisted service (bench/support/idle-fixture.ts,
 * written with SQL in one transaction to be quick); the daemon is a fresh child process each
 * time, against one standalone zero-latency sandbox started once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchOptions, Figure } from './benchmark.js';
import { measureBoot, type BootMeasure } from './support/idle-boot.js';
import { buildIdleFixture, type IdleFixture } from './support/idle-fixture.js';
import { median } from './support/stats.js';
import { exited } from '../test/support/child-process.js';
import { startSandboxProcess } from '../test/support/sandbox-process.js';
import { SANDBOX_DEFAULTS } from '../src/sandbox/sandbox.js';

const GROUP = '5 idle services';
/** The targets. */
const READY_TARGET_MS = 2_000;
const READY_TARGET_SERVICES = 10_000;
const RSS_TARGET_BYTES = 500e6;
const RSS_TARGET_SERVICES = 100_000;

const MiB = 1024 * 1024;
const count = (n: number): string => n.toLocaleString('en-US');

interface Plan {
  readonly sizes: readonly number[];
  /** Boots per size (each paired with one empty-database boot). */
  readonly repeats: number;
}

interface Reference {
  readonly readyMs: number;
  readonly startMs: number;
  readonly peakRssMiB: number;
}

/** The daemon's own start (first log line → ready): the boot without node and tsx loading modules. */
const startOf = (r: BootMeasure): number => r.readyMs - r.loadMs;

function summarise(size: number, runs: readonly BootMeasure[], empty: Reference, quick: boolean): Figure[] {
  const readyMs = median(runs.map((r) => r.readyMs));
  const startMs = median(runs.map(startOf));
  // The worst run: a peak is a ceiling an operator must provision for.
  const peakRssMiB = Math.max(...runs.map((r) => r.peakRssMiB));
  const restored = Math.max(...runs.map((r) => r.restored));
  const judge = !quick;
  return [
    {
      group: GROUP,
      name: `boot → ready, ${count(size)} active (${count(restored)} actors restored)`,
      value: readyMs,
      unit: 'ms',
      reference: { name: 'empty database', value: empty.readyMs },
      ratio: readyMs / empty.readyMs,
      ...(judge && size === READY_TARGET_SERVICES ? { target: { text: `≤ ${count(READY_TARGET_MS)} ms`, met: readyMs <= READY_TARGET_MS } } : {}),
    },
    {
      group: GROUP,
      name: `  of which main() → ready, ${count(size)} active`,
      value: startMs,
      unit: 'ms',
      reference: { name: 'empty database', value: empty.startMs },
      ratio: startMs / empty.startMs,
    },
    {
      group: GROUP,
      name: `peak RSS, ${count(size)} active`,
      value: peakRssMiB,
      unit: 'MiB',
      reference: { name: 'empty database', value: empty.peakRssMiB },
      ratio: peakRssMiB / empty.peakRssMiB,
      ...(judge && size === RSS_TARGET_SERVICES ? { target: { text: '≤ 500 MB (476.8 MiB)', met: peakRssMiB * MiB <= RSS_TARGET_BYTES } } : {}),
    },
  ];
}

/** One empty-database boot and one on `fixture`: one after the other, or side by side (quick mode). */
async function pair(emptyPath: string, fixturePath: string, sandboxFile: string, together: boolean): Promise<[BootMeasure, BootMeasure]> {
  if (together) return Promise.all([measureBoot(emptyPath, sandboxFile), measureBoot(fixturePath, sandboxFile)]);
  return [await measureBoot(emptyPath, sandboxFile), await measureBoot(fixturePath, sandboxFile)];
}

async function run(options: BenchOptions): Promise<Figure[]> {
  // Quick mode (CI) only proves every path still runs; one daemon boot through tsx costs seconds
  // of module loading, so its two boots run side by side and its figures are not comparable.
  const plan: Plan = options.quick ? { sizes: [500], repeats: 1 } : { sizes: [10_000, 100_000], repeats: 3 };
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-idle-sandbox-'));
  // The sandbox starts while the fixtures are written; it serves the default zone they use.
  const starting = startSandboxProcess(dir, { timeScale: 0 });
  // Awaited below; this only keeps a failure meanwhile from counting as unhandled.
  starting.catch(() => undefined);
  const baseDomain = SANDBOX_DEFAULTS.zone;
  const fixtures: IdleFixture[] = [];
  try {
    const empty = await buildIdleFixture(0, baseDomain);
    fixtures.push(empty);
    const sandbox = await starting;
    const emptyRuns: BootMeasure[] = [];
    const bySize: { size: number; runs: BootMeasure[] }[] = [];
    for (const size of plan.sizes) {
      const fixture = await buildIdleFixture(size, baseDomain);
      fixtures.push(fixture);
      options.log(`${count(size)} services (${fixture.transitionsPerService} transitions each) written in ${fixture.seconds.toFixed(1)} s`);
      const runs: BootMeasure[] = [];
      // Alternate empty and full boots, so drift in the machine's load hits both alike.
      for (let i = 0; i < plan.repeats; i++) {
        const [reference, measured] = await pair(empty.path, fixture.path, sandbox.file, options.quick);
        if (measured.activePage !== Math.min(100, size)) throw new Error(`GET /v1/services showed ${measured.activePage} active, healthy services of the first 100`);
        emptyRuns.push(reference);
        runs.push(measured);
        const line = (m: BootMeasure) => `${m.readyMs.toFixed(0)} ms (loading ${m.loadMs.toFixed(0)}) ${m.peakRssMiB.toFixed(0)} MiB`;
        options.log(`boot ${i + 1}: empty ${line(reference)}; ${count(size)}: ${line(measured)}, ${measured.restored} restored`);
      }
      bySize.push({ size, runs });
      fixture.remove();
    }
    const reference: Reference = {
      readyMs: median(emptyRuns.map((r) => r.readyMs)),
      startMs: median(emptyRuns.map(startOf)),
      peakRssMiB: Math.max(...emptyRuns.map((r) => r.peakRssMiB)),
    };
    return [
      { group: GROUP, name: 'boot → ready, empty database (fixed cost)', value: reference.readyMs, unit: 'ms' },
      { group: GROUP, name: '  of which node + tsx loading modules (spawn → first log line)', value: median(emptyRuns.map((r) => r.loadMs)), unit: 'ms' },
      { group: GROUP, name: 'peak RSS, empty database', value: reference.peakRssMiB, unit: 'MiB' },
      ...bySize.flatMap(({ size, runs }) => summarise(size, runs, reference, options.quick)),
    ];
  } finally {
    for (const fixture of fixtures) fixture.remove();
    // startSandboxProcess kills its own child when it fails to start.
    const sandbox = await starting.catch(() => undefined);
    if (sandbox !== undefined) {
      sandbox.started.child.kill('SIGKILL');
      await exited(sandbox.started.child);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

export const benchmark: Benchmark = {
  name: 'idle-services',
  description: 'figure 5: boot-to-ready time and peak RSS with 10,000 and 100,000 active services in the database',
  run,
};
