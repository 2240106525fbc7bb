/**
 * A small seeded generator (mulberry32) so that a chaos run's every decision — each service's
 * script, when it starts, when the daemon dies — follows from `--seed` alone. `fork` gives an
 * independent stream per purpose, so adding a service does not shift the kill schedule.
 */
import { seededRandom } from '../support/seeded-random.js';

export interface Prng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** An independent generator for one purpose, derived from this one's seed and `label`. */
  fork(label: string): Prng;
}

/** FNV-1a over the label, mixed with the seed: distinct labels give unrelated streams. */
function mix(seed: number, label: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (const char of label) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function createPrng(seed: number): Prng {
  const next = seededRandom(seed);
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    fork: (label) => createPrng(mix(seed, label)),
  };
}
