/**
 * A small seeded generator (mulberry32) so that a chaos run's every decision — each service's
 * script, when it starts, when the daemon dies — follows from `--seed` alone. `fork` gives an
 * independent stream per purpose, so adding a service does not shift the kill schedule.
 */

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
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    fork: (label) => createPrng(mix(seed, label)),
  };
}
