/**
 * Every service's state from one list request a few times a second, shared by all the
 * lifecycles of a storm. Polling `/status` per service would read each container from
 * Proxmox (adding faulted calls of the test's own making) and, with dozens of services, run
 * into the daemon's per-client rate limit; `GET /v1/services` reads the registry only.
 */
import type { DaemonApi } from '../support/sandbox-process.js';

/** The fields of a listed service the storm reads. */
export interface BoardService {
  readonly service_id: string;
  readonly state: string;
  readonly step: string | null;
  readonly vmid: number;
  readonly fqdn: string;
  readonly private_ip: string;
  /** Epoch ms of the last committed change: tells a fresh `failed` from the one before a retry. */
  readonly updated_at: number;
  readonly failure: { readonly phase: string; readonly step: string; readonly code: string; readonly message: string } | null;
  readonly compensation_errors: readonly { readonly step: string; readonly code: string; readonly message: string }[];
  readonly domains: readonly { readonly domain: string; readonly state: string; readonly error: { readonly code: string; readonly message: string } | null }[];
}

const PAGE = 500;

/** How long a wait may last: `idleMs` without any committed change means stuck; `timeoutMs` caps it anyway. */
export interface Patience {
  readonly idleMs: number;
  readonly timeoutMs: number;
}

export class ServiceBoard {
  private latest = new Map<string, BoardService>();
  /** When each service's `updated_at` was last seen to change (local clock). */
  private changedAt = new Map<string, number>();
  private waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly api: DaemonApi,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    const tick = async (): Promise<void> => {
      try {
        await this.refresh();
      } catch (error) {
        // Reported to every waiter: a daemon that stops answering must end the storm, not hang it.
        this.failure = error instanceof Error ? error : new Error(String(error));
      }
      for (const wake of this.waiters) wake();
      if (this.timer !== undefined) this.timer = setTimeout(() => void tick(), this.intervalMs);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const wake of this.waiters) wake();
  }

  get(serviceId: string): BoardService | undefined {
    return this.latest.get(serviceId);
  }

  /**
   * Resolves with the service once `done` holds. Rejects, with what was last seen, when the
   * service has committed nothing for `idleMs` (stuck: every wait the machines make is
   * shorter) or the whole wait passes `timeoutMs`.
   */
  until(serviceId: string, done: (service: BoardService) => boolean, patience: Patience, what: string): Promise<BoardService> {
    const since = Date.now();
    const deadline = since + patience.timeoutMs;
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const service = this.latest.get(serviceId);
        const finish = (outcome: () => void): void => {
          this.waiters.delete(check);
          outcome();
        };
        if (service !== undefined && done(service)) return finish(() => resolve(service));
        if (this.failure !== undefined) return finish(() => reject(new Error(`listing services failed while waiting for ${what}: ${this.failure?.message ?? ''}`)));
        if (this.timer === undefined) return finish(() => reject(new Error(`the board stopped while waiting for ${what}`)));
        const now = Date.now();
        const idle = now - Math.max(since, this.changedAt.get(serviceId) ?? since);
        if (now > deadline || idle > patience.idleMs) {
          const seen = service === undefined ? 'nothing' : JSON.stringify({ state: service.state, step: service.step, failure: service.failure, domains: service.domains.map((d) => [d.domain, d.state, d.error]) });
          const why = idle > patience.idleMs ? `no change for ${Math.round(idle / 1000)} s` : `still not there after ${Math.round((now - since) / 1000)} s`;
          return finish(() => reject(new Error(`stuck: ${why} waiting for ${what}; last seen: ${seen}`)));
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  private async refresh(): Promise<void> {
    const seen = new Map<string, BoardService>();
    let after: string | null = null;
    do {
      const query: string = `/v1/services?limit=${PAGE}${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
      const reply = await this.api.call<{ services: BoardService[]; next: string | null }>('GET', query);
      // The daemon's per-client limit: skip this round, the next one will do.
      if (reply.status === 429) return;
      if (reply.status !== 200) throw new Error(`GET ${query} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
      for (const service of reply.body.services) seen.set(service.service_id, service);
      after = reply.body.next;
    } while (after !== null);
    const now = Date.now();
    for (const [id, service] of seen) if (this.latest.get(id)?.updated_at !== service.updated_at) this.changedAt.set(id, now);
    this.latest = seen;
  }
}
