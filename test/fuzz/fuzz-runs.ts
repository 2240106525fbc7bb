/**
 * How hard the fuzz tests try. Inside `npm test` each property runs a modest number of cases
 * so the whole folder stays well under a minute; `FUZZ_RUNS=<n>` runs every property n times
 * instead (long runs), and `FUZZ_SEED=<n>` replays a reported seed.
 */
import type { Parameters } from 'fast-check';

function positiveInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

/** The number of cases for a property whose default inside `npm test` is `inTests`. */
export function runs(inTests: number): number {
  return positiveInteger('FUZZ_RUNS') ?? inTests;
}

/** fast-check parameters: the run count, and the seed when one is being replayed. */
export function fuzzParameters<T>(inTests: number): Parameters<T> {
  const seed = positiveInteger('FUZZ_SEED');
  return { numRuns: runs(inTests), ...(seed === undefined ? {} : { seed }) };
}

/** Counts the cases a file tried, for its closing diagnostic. */
export class CaseCount {
  private count = 0;

  add(n = 1): void {
    this.count += n;
  }

  get total(): number {
    return this.count;
  }
}
