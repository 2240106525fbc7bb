/**
 * When the daemon dies, decided by the seeded generator. Most kills land while it serves
 * (a random time after it started listening, while effects and HTTP commands are in flight);
 * some land the moment it reports its actors restored, when every resumed effect has just
 * been re-launched and HTTP is only starting.
 */
import type { Prng } from './prng.js';

export type Kill =
  /** SIGKILL as soon as the daemon logs "services restored": its resumed effects have just been re-launched and it is about to listen. */
  | { readonly at: 'boot' }
  /** SIGKILL `afterMs` after the daemon logs that it is listening. */
  | { readonly at: 'serving'; readonly afterMs: number };

export interface KillScheduleOptions {
  readonly kills: number;
  /** Bounds of the time a daemon serves before it is killed. */
  readonly minUptimeMs: number;
  readonly maxUptimeMs: number;
  /** Share of kills at boot. */
  readonly bootShare: number;
}

export const DEFAULT_KILL_TIMING = { minUptimeMs: 300, maxUptimeMs: 3_000, bootShare: 0.15 } as const;

export function killSchedule(prng: Prng, options: KillScheduleOptions): Kill[] {
  return Array.from({ length: options.kills }, (): Kill =>
    prng.chance(options.bootShare) ? { at: 'boot' } : { at: 'serving', afterMs: prng.int(options.minUptimeMs, options.maxUptimeMs) },
  );
}
