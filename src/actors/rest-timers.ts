/**
 * Passivation timers: a service that comes to rest (at-rest.ts) keeps its actor for a grace
 * period, so a burst of commands does not restore it from SQLite each time, and is passivated
 * when the period passes with no transition. Any transition re-decides (the registry re-arms
 * or cancels), and idle timers never keep the process alive.
 */
export class RestTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly afterMs: number;

  constructor(afterMs: number) {
    this.afterMs = afterMs;
  }

  /** Run `elapsed` after the grace period unless cancelled or re-armed first. */
  arm(serviceId: string, elapsed: () => void): void {
    this.cancel(serviceId);
    const timer = setTimeout(() => {
      this.timers.delete(serviceId);
      elapsed();
    }, this.afterMs);
    timer.unref();
    this.timers.set(serviceId, timer);
  }

  cancel(serviceId: string): void {
    clearTimeout(this.timers.get(serviceId));
    this.timers.delete(serviceId);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
