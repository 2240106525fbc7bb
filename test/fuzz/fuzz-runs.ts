/**
 * How hard the fuzz tests try. Inside `npm test` each property runs a modest number of cases
 * so the whole folder stays well under a minute; `FUZZ_RUNS=<n>` runs every property n times
 * instead (long runs). A failure prints its seed and path; `FUZZ_SEED=<seed> FUZZ_PATH=<path>`
 * replays it, for that one property: `node --import tsx --test --test-name-pattern '<test>' <file>`
 * (state an app builds up across runs aside).
 */
import type { Parameters } from 'fast-check';

function integerFromEnv(name: string, min: number): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got ${JSON.stringify(text)}`);
  return value;
}

/** The number of cases for a property whose default inside `npm test` is `inTests`. */
export function runs(inTests: number): number {
  return integerFromEnv('FUZZ_RUNS', 1) ?? inTests;
}

/** fast-check parameters: the run count, and the seed and path when a failure is replayed. */
export function fuzzParameters<T>(inTests: number): Parameters<T> {
  const seed = integerFromEnv('FUZZ_SEED', Number.MIN_SAFE_INTEGER);
  const path = process.env.FUZZ_PATH;
  return { numRuns: runs(inTests), ...(seed === undefined ? {} : { seed }), ...(path === undefined || path === '' ? {} : { path }) };
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
