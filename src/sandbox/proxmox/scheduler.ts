/**
 * Every timer the simulator arms (task workers, the HA manager's rounds) goes through here so
 * that closing the Fastify instance stops them all and a test process exits promptly.
 */
export class Scheduler {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  /** Run `fn` after `ms` milliseconds unless the simulator closes first. */
  after(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Resolve after `ms`; rejects early when `signal` aborts. Never settles once closed. */
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.after(ms, () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
