/**
 * Figure 5, scale of idle services: the daemon booted on a database of 10,000 and of 100,000
 * `active` services — time from process start to the first 200 of /readyz, and peak RSS —
 * each beside the same boot on an empty database (the fixed cost), measured in the same run.
 *
 * The daemon runs as an operator runs it: from the build (`npm run build`, made here into a
 * folder of its own; `provisiond serve` = `node dist/cli.js serve`). The same boots through
 * tsx (`npm start`, no build) are printed below for comparison. The databases are clones of
 * one real persisted service (bench/support/idle-fixture.ts, written with SQL in one
 * transaction to be quick); the daemon is a fresh child process each time, against one
 * standalone zero-latency sandbox started once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchOptions, Figure } from './benchmark.js';
import { measureBoot, type BootMeasure, type Launch } from './support/idle-boot.js';
import { buildIdleFixture, type IdleFixture } from './support/idle-fixture.js';
import { median } from './support/stats.js';
import { sourceFingerprint } from '../bin/compiled-code.mjs';
import { buildInto, ROOT, type Build } from '../test/build/compiled.js';
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
  /** Boots per size and launch (each paired with one empty-database boot). */
  readonly repeats: number;
  /** Quick mode boots the build only: tsx boots are what most other tests run. */
  readonly launches: readonly Launch['kind'][];
}

interface Reference {
  readonly readyMs: number;
  readonly startMs: number;
  readonly peakRssMiB: number;
}

/** The daemon's own start (first log line → ready): the boot without node loading modules. */
const startOf = (r: BootMeasure): number => r.readyMs - r.loadMs;

const referenceOf = (runs: readonly BootMeasure[]): Reference => ({
  readyMs: median(runs.map((r) => r.readyMs)),
  startMs: median(runs.map(startOf)),
  peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)),
});

/** The build's figures, judged against the targets. */
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

/** The same boots through tsx, each beside the build's boot of the same database. */
function summariseTsx(measured: Measured, compiled: Measured): Figure[] {
  const beside = (name: string, runs: readonly BootMeasure[], builtRuns: readonly BootMeasure[]): Figure => {
    const value = median(runs.map((r) => r.readyMs));
    const built = median(builtRuns.map((r) => r.readyMs));
    return { group: GROUP, name, value, unit: 'ms', reference: { name: 'the build', value: built }, ratio: value / built };
  };
  return [
    beside('boot → ready, empty database, through tsx (npm start, no build)', measured.empty, compiled.empty),
    { group: GROUP, name: '  of which node + tsx loading modules (spawn → first log line)', value: median(measured.empty.map((r) => r.loadMs)), unit: 'ms' },
    {
      group: GROUP,
      name: '  CPU time to ready (user + system), through tsx',
      value: median(measured.empty.map((r) => r.cpuMs)),
      unit: 'ms',
      reference: { name: 'the build', value: median(compiled.empty.map((r) => r.cpuMs)) },
      ratio: median(measured.empty.map((r) => r.cpuMs)) / median(compiled.empty.map((r) => r.cpuMs)),
    },
    ...measured.bySize.map(({ size, runs }, i) => beside(`boot → ready, ${count(size)} active, through tsx`, runs, compiled.bySize[i]?.runs ?? [])),
  ];
}

interface Measured {
  readonly empty: BootMeasure[];
  readonly bySize: { readonly size: number; readonly runs: BootMeasure[] }[];
}

/** One empty-database boot and one on `fixture`: one after the other, or side by side (quick mode). */
async function pair(emptyPath: string, fixturePath: string, sandboxFile: string, launch: Launch, together: boolean): Promise<[BootMeasure, BootMeasure]> {
  if (together) return Promise.all([measureBoot(emptyPath, sandboxFile, launch), measureBoot(fixturePath, sandboxFile, launch)]);
  return [await measureBoot(emptyPath, sandboxFile, launch), await measureBoot(fixturePath, sandboxFile, launch)];
}

/** What bin/provisiond.mjs adds to every start to know dist/ is current: the fingerprint of src/. */
function fingerprintMs(): number {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const began = performance.now();
    sourceFingerprint(ROOT);
    times.push(performance.now() - began);
  }
  return median(times);
}

async function run(options: BenchOptions): Promise<Figure[]> {
  // Quick mode (CI) only proves every path still runs: its two boots run side by side and its
  // figures are not comparable.
  const plan: Plan = options.quick
    ? { sizes: [500], repeats: 1, launches: ['compiled'] }
    : { sizes: [10_000, 100_000], repeats: 3, launches: ['compiled', 'tsx'] };
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-idle-sandbox-'));
  // The sandbox and the build start while the fixtures are written; the sandbox serves the
  // default zone they use.
  const starting = startSandboxProcess(dir, { timeScale: 0 });
  const building = buildInto('dist-bench-');
  // Awaited below; this only keeps a failure meanwhile from counting as unhandled.
  starting.catch(() => undefined);
  building.catch(() => undefined);
  const baseDomain = SANDBOX_DEFAULTS.zone;
  const fixtures: IdleFixture[] = [];
  try {
    const empty = await buildIdleFixture(0, baseDomain);
    fixtures.push(empty);
    const sandbox = await starting;
    const build = await building;
    const launchOf = (kind: Launch['kind']): Launch => (kind === 'compiled' ? { kind, outDir: build.outDir } : { kind });
    const measured = new Map<Launch['kind'], Measured>(plan.launches.map((kind) => [kind, { empty: [], bySize: [] }]));
    for (const size of plan.sizes) {
      const fixture = await buildIdleFixture(size, baseDomain);
      fixtures.push(fixture);
      options.log(`${count(size)} services (${fixture.transitionsPerService} transitions each) written in ${fixture.seconds.toFixed(1)} s`);
      for (const kind of plan.launches) measured.get(kind)?.bySize.push({ size, runs: [] });
      // Alternate empty and full boots, and the launches, so drift in the machine's load hits all alike.
      for (let i = 0; i < plan.repeats; i++) {
        for (const kind of plan.launches) {
          const [reference, boot] = await pair(empty.path, fixture.path, sandbox.file, launchOf(kind), options.quick);
          if (boot.activePage !== Math.min(100, size)) throw new Error(`GET /v1/services showed ${boot.activePage} active, healthy services of the first 100`);
          const into = measured.get(kind);
          into?.empty.push(reference);
          into?.bySize.at(-1)?.runs.push(boot);
          const line = (m: BootMeasure) => `${m.readyMs.toFixed(0)} ms (loading ${m.loadMs.toFixed(0)}, CPU ${m.cpuMs.toFixed(0)}) ${m.peakRssMiB.toFixed(0)} MiB`;
          options.log(`${kind} boot ${i + 1}: empty ${line(reference)}; ${count(size)}: ${line(boot)}, ${boot.restored} restored`);
        }
      }
      fixture.remove();
    }
    const compiled = measured.get('compiled');
    if (compiled === undefined) throw new Error('the build was not measured');
    const tsx = measured.get('tsx');
    const reference = referenceOf(compiled.empty);
    return [
      { group: GROUP, name: 'boot → ready, empty database (fixed cost), the build', value: reference.readyMs, unit: 'ms' },
      { group: GROUP, name: '  of which node loading modules (spawn → first log line)', value: median(compiled.empty.map((r) => r.loadMs)), unit: 'ms' },
      { group: GROUP, name: '  CPU time to ready (user + system)', value: median(compiled.empty.map((r) => r.cpuMs)), unit: 'ms' },
      { group: GROUP, name: '  bin/provisiond.mjs checking dist/ is current (fingerprint of src/)', value: fingerprintMs(), unit: 'ms' },
      { group: GROUP, name: 'peak RSS, empty database', value: reference.peakRssMiB, unit: 'MiB' },
      ...compiled.bySize.flatMap(({ size, runs }) => summarise(size, runs, reference, options.quick)),
      ...(tsx === undefined ? [] : summariseTsx(tsx, compiled)),
    ];
  } finally {
    for (const fixture of fixtures) fixture.remove();
    const build: Build | undefined = await building.catch(() => undefined);
    build?.remove();
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
