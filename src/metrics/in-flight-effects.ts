/**
 * Effect calls not yet settled, for graceful shutdown: after the registry stops its actors
 * (aborting their effects), reads end at once but a write already sent runs to its answer
 * (docs/architecture.md §7). Waiting for this count to reach zero, within the grace period,
 * lets those writes land before the clients and the database close.
 */
import type { EffectObserver } from './effect-timing.js';

export class InFlightEffects {
  private running = 0;
  private waiters: (() => void)[] = [];

  /** The observer to hand to instrumentEffects. */
  readonly observer: EffectObserver = () => {
    this.running++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.running--;
      if (this.running === 0) this.wake();
    };
  };

  get count(): number {
    return this.running;
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  settled(timeoutMs: number): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
