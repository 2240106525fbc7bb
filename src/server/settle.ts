/**
 * `create-site?wait=<seconds>`: for callers that want the seed's synchronous answer, hold the
 * reply until the service settles (active, suspended, failed or deleted) or the wait runs out.
 * Waiting costs one transition listener per request; server close releases every waiter.
 */
import type { ServiceRegistry, ServiceView } from '../actors/registry.types.js';

/** The longest a caller may wait: below Paymenter's 120 s job timeout. */
export const MAX_WAIT_SECONDS = 110;

const SETTLED = new Set(['active', 'suspended', 'failed', 'deleted']);

export function isSettled(service: ServiceView): boolean {
  return SETTLED.has(service.state);
}

export class SettleWaiters {
  private readonly cancels = new Set<() => void>();

  constructor(private readonly registry: ServiceRegistry) {}

  /** The settled view, or the current one when `ms` passes, the client leaves or the server closes. */
  wait(serviceId: string, ms: number, gone: AbortSignal): Promise<ServiceView | undefined> {
    const now = this.registry.get(serviceId);
    if (now === undefined || isSettled(now) || gone.aborted) return Promise.resolve(now);
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
        gone.removeEventListener('abort', finish);
        this.cancels.delete(finish);
        resolve(this.registry.get(serviceId));
      };
      const unsubscribe = this.registry.onTransition((row) => {
        if (row.serviceId !== serviceId) return;
        const view = this.registry.get(serviceId);
        if (view !== undefined && isSettled(view)) finish();
      });
      const timer = setTimeout(finish, ms);
      gone.addEventListener('abort', finish);
      this.cancels.add(finish);
    });
  }

  /** Answer every waiting request now (server shutdown). */
  releaseAll(): void {
    for (const cancel of [...this.cancels]) cancel();
  }
}
