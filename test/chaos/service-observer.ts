/**
 * One poller of GET /v1/services for every driver, so a run of many services costs a couple of
 * requests a second (the API limits each client address) rather than one poll per service.
 * Drivers wait on predicates over the latest view; a wait ends with an error naming what was
 * awaited and what was last seen when the run's deadline passes. A wait can ask for views
 * read after a moment (`mark()`), so a poll that left before a command cannot satisfy it.
 */
import type { DaemonClient, ServiceWire } from './daemon-client.js';

interface Waiter {
  readonly serviceId: string;
  readonly after: number;
  readonly done: (view: ServiceWire) => boolean;
  readonly resolve: (view: ServiceWire) => void;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class ServiceObserver {
  private readonly latest = new Map<string, { readonly view: ServiceWire; readonly poll: number }>();
  private pollsStarted = 0;
  private waiters: Waiter[] = [];
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  polls = 0;

  constructor(
    private readonly client: DaemonClient,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The last view of every service seen so far. */
  views(): ServiceWire[] {
    return [...this.latest.values()].map((entry) => entry.view);
  }

  /** The number of the last poll started: views read later have a higher one. */
  mark(): number {
    return this.pollsStarted;
  }

  /** Poll once now (outside the loop), e.g. for the final reading. True when a daemon answered. */
  async refresh(): Promise<boolean> {
    const poll = ++this.pollsStarted;
    const services = await this.client.services();
    if (services === undefined) return false;
    this.polls++;
    for (const view of services) this.latest.set(view.service_id, { view, poll });
    const fresh = (w: Waiter): ServiceWire | undefined => {
      const entry = this.latest.get(w.serviceId);
      return entry !== undefined && entry.poll > w.after && w.done(entry.view) ? entry.view : undefined;
    };
    const ready = this.waiters.filter((w) => fresh(w) !== undefined);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const waiter of ready) {
      const view = fresh(waiter);
      if (view !== undefined) waiter.resolve(view);
    }
    return true;
  }

  /**
   * Resolves with the first view of `serviceId`, read by a poll started after poll number
   * `after`, for which `done` holds; rejects when `signal` fires.
   */
  waitFor(serviceId: string, done: (view: ServiceWire) => boolean, what: string, after: number, signal: AbortSignal): Promise<ServiceWire> {
    const seen = this.latest.get(serviceId);
    if (seen !== undefined && seen.poll > after && done(seen.view)) return Promise.resolve(seen.view);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${serviceId}: gave up waiting for ${what}; last seen ${describe(this.latest.get(serviceId)?.view)}`));
      };
      const waiter: Waiter = {
        serviceId,
        after,
        done,
        resolve: (view) => {
          signal.removeEventListener('abort', onAbort);
          resolve(view);
        },
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.refresh();
      await pause(this.intervalMs);
    }
  }
}

/** A one-line account of a service for error messages. */
export function describe(view: ServiceWire | undefined): string {
  if (view === undefined) return 'nothing (the daemon never listed it)';
  const domains = view.domains.map((d) => `${d.domain}=${d.state}${d.error === null ? '' : `(${d.error.code})`}`).join(',');
  const failure = view.failure === null ? '' : ` failure=${view.failure.phase}/${view.failure.step}/${view.failure.code}: ${view.failure.message}`;
  const lastError = view.last_error === null ? '' : ` last_error=${view.last_error.code}`;
  return `state=${view.state} step=${view.step ?? '-'} busy=${view.busy}${domains === '' ? '' : ` domains=${domains}`}${failure}${lastError}`;
}
