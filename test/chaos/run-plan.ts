/**
 * A whole chaos run as data, from the seed: every service's script and the kill schedule,
 * each from its own stream of the generator. Printing it (or comparing two) shows that
 * `--seed` reproduces the run's decisions; the interleaving with real time does not repeat
 * exactly, which is the point of killing at random moments.
 */
import { killSchedule, DEFAULT_KILL_TIMING, type Kill } from './kill-schedule.js';
import { scriptFor, type ServiceScript } from './lifecycle-script.js';
import { createPrng } from './prng.js';

export interface RunPlanOptions {
  readonly seed: number;
  readonly services: number;
  readonly kills: number;
  /** Longest time a daemon serves before it is killed (default DEFAULT_KILL_TIMING's). */
  readonly maxUptimeMs?: number;
}

export interface RunPlan {
  readonly seed: number;
  readonly scripts: readonly ServiceScript[];
  readonly kills: readonly Kill[];
}

/** Services start over the first 85 % of the kills, so the last kills still meet work in flight. */
const START_WINDOW = 0.85;

export function planRun(options: RunPlanOptions): RunPlan {
  const root = createPrng(options.seed);
  const lastStartKill = Math.floor(options.kills * START_WINDOW);
  const scripts = Array.from({ length: options.services }, (_, index) =>
    scriptFor(root.fork(`service:${index}`), { seed: options.seed, index, lastStartKill }),
  );
  const maxUptimeMs = options.maxUptimeMs ?? DEFAULT_KILL_TIMING.maxUptimeMs;
  const timing = { ...DEFAULT_KILL_TIMING, maxUptimeMs, minUptimeMs: Math.min(DEFAULT_KILL_TIMING.minUptimeMs, maxUptimeMs) };
  const kills = killSchedule(root.fork('kills'), { kills: options.kills, ...timing });
  return { seed: options.seed, scripts, kills };
}
