/**
 * CI's check that every benchmark still runs: each discovered `bench/*.bench.ts` in quick
 * mode, in this process, must return figures whose numbers are finite. Targets are not
 * judged here (bench/benchmark.ts: they are met in `npm run bench`, never in timed tests).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Figure } from '../../bench/benchmark.js';
import { discoverBenchmarks } from '../../bench/support/discover.js';

/** Quick mode's budget for all benchmarks together is ~20 s; one that hangs fails here instead. */
const PER_BENCHMARK_TIMEOUT_MS = 90_000;

function checkFigure(benchmark: string, figure: Figure): void {
  const where = `${benchmark}: ${figure.group} / ${figure.name}`;
  assert.ok(figure.group.length > 0 && figure.name.length > 0 && figure.unit.length > 0, `${where}: group, name and unit are set`);
  assert.ok(Number.isFinite(figure.value), `${where}: value ${figure.value} is finite`);
  if (figure.reference !== undefined) assert.ok(Number.isFinite(figure.reference.value), `${where}: reference ${figure.reference.value} is finite`);
  if (figure.ratio !== undefined) assert.ok(Number.isFinite(figure.ratio), `${where}: ratio ${figure.ratio} is finite`);
}

const discovered = await discoverBenchmarks();

describe('every benchmark runs in quick mode', () => {
  it('finds the benchmarks', () => {
    assert.ok(discovered.length > 0, 'bench/*.bench.ts');
  });

  for (const { file, benchmark } of discovered) {
    it(`${benchmark.name} (${file}) returns finite figures`, { timeout: PER_BENCHMARK_TIMEOUT_MS }, async () => {
      const figures = await benchmark.run({ quick: true, log: () => undefined });
      assert.ok(figures.length > 0, `${benchmark.name} returned no figures`);
      for (const figure of figures) checkFigure(benchmark.name, figure);
    });
  }
});
