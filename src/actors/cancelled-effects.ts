/**
 * Effects that were cancelled but have not finished. Leaving a state aborts the effects it
 * invoked, yet a write already on the wire still lands (the clients let it finish, see
 * src/effects). Whatever runs next for the same service — compensation, deletion — must not
 * look for resources before those writes have landed, or it misses them and they stay behind.
 * So every effect of a service first waits for that service's cancelled effects to settle.
 */
export class CancelledEffects {
  private readonly pending = new Map<string, Set<Promise<unknown>>>();

  /**
   * The longest an effect waits for cancelled ones. Writes time out sooner (15–30 s); the one
   * longer write, an NPM certificate order (up to 16 min), is also serialised per domain by
   * the NPM effects' certificate queue, so a removal waits for it there.
   */
  constructor(private readonly maxWaitMs = 120_000) {}

  /**
   * Run `effect` for `serviceId` once the service's cancelled effects have settled (at once
   * when there are none). If `signal` aborts while the effect still runs, it joins the
   * cancelled ones until it settles; an effect whose signal aborted before it began never starts.
   */
  run<T>(serviceId: string, signal: AbortSignal, effect: () => Promise<T>): Promise<T> {
    const set = this.pending.get(serviceId);
    if (set === undefined) return this.start(serviceId, signal, effect);
    return this.drained(set, signal).then(() => this.start(serviceId, signal, effect));
  }

  /** Cancelled effects of `serviceId` still running. */
  inFlight(serviceId: string): number {
    return this.pending.get(serviceId)?.size ?? 0;
  }

  private start<T>(serviceId: string, signal: AbortSignal, effect: () => Promise<T>): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    const running = effect();
    const onAbort = (): void => this.hold(serviceId, running);
    signal.addEventListener('abort', onAbort, { once: true });
    const forget = (): void => signal.removeEventListener('abort', onAbort);
    running.then(forget, forget);
    return running;
  }

  private hold(serviceId: string, running: Promise<unknown>): void {
    const set = this.pending.get(serviceId) ?? new Set();
    this.pending.set(serviceId, set);
    const done = running.then(
      () => undefined,
      () => undefined,
    );
    set.add(done);
    void done.then(() => {
      set.delete(done);
      if (set.size === 0) this.pending.delete(serviceId);
    });
  }

  /** Resolves when the given cancelled effects have settled or the cap passed; rejects if `signal` aborts first. */
  private async drained(set: ReadonlySet<Promise<unknown>>, signal: AbortSignal): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        Promise.all([...set]),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.maxWaitMs);
        }),
        new Promise<never>((_resolve, reject) => {
          onAbort = () => reject(signal.reason as Error);
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    }
  }
}
