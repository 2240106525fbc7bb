/**
 * The daemon's HTTP API as Paymenter meets it during a chaos run: the daemon may be dead,
 * booting, or killed while a request is in flight. A command whose answer was lost is sent
 * again, to whichever daemon is up next, with the same Idempotency-Key; a rate-limited one
 * waits as told. Reads never retry: the observer simply polls again.
 */
import { API_TOKEN } from '../support/sandbox-process.js';
import type { DaemonSupervisor } from './daemon-supervisor.js';

/** What GET /v1/services says about a service (the fields the run reads). */
export interface ServiceWire {
  readonly service_id: string;
  readonly state: string;
  readonly step: string | null;
  readonly busy: boolean;
  readonly vmid: number;
  readonly private_ip: string;
  readonly fqdn: string;
  readonly failure: { readonly phase: string; readonly step: string; readonly code: string; readonly message: string } | null;
  readonly last_error: { readonly code: string; readonly message: string } | null;
  readonly domains: readonly { readonly domain: string; readonly state: string; readonly error: { readonly code: string; readonly message: string } | null }[];
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const REQUEST_TIMEOUT_MS = 30_000;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function call(url: string, method: 'GET' | 'POST', headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${API_TOKEN}`, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}

function errorCode(answer: Answer): string | undefined {
  const error = answer.body.error as { code?: unknown } | undefined;
  return typeof error?.code === 'string' ? error.code : undefined;
}

export class DaemonClient {
  /** Commands whose answer never arrived (the daemon died first) and were sent again. */
  lostAnswers = 0;
  rateLimited = 0;

  constructor(
    private readonly supervisor: DaemonSupervisor,
    /** How long a command waits for some daemon to be listening before it gives up. */
    private readonly upTimeoutMs: number,
  ) {}

  /** POST until some daemon answers; repeats carry the same key, so nothing is applied twice. */
  async command(path: string, body: unknown, idempotencyKey: string): Promise<Answer> {
    for (;;) {
      const url = await this.supervisor.whenUp(this.upTimeoutMs);
      let answer: Answer;
      try {
        answer = await call(`${url}${path}`, 'POST', { 'idempotency-key': idempotencyKey }, body);
      } catch {
        this.lostAnswers++;
        await pause(50);
        continue;
      }
      const code = errorCode(answer);
      if (answer.status === 429) {
        this.rateLimited++;
        const details = (answer.body.error as { details?: { retry_after_seconds?: number } } | undefined)?.details;
        await pause(1_000 * (details?.retry_after_seconds ?? 1));
        continue;
      }
      // Caught between SIGTERM and exit, or booting: ask the next one.
      if (answer.status === 503 && code === 'SHUTTING_DOWN') {
        await pause(100);
        continue;
      }
      return answer;
    }
  }

  /** Every service, page by page; undefined when no daemon answered this time. */
  async services(): Promise<ServiceWire[] | undefined> {
    const url = this.supervisor.url();
    if (url === undefined) return undefined;
    const all: ServiceWire[] = [];
    let after: string | null = null;
    try {
      do {
        const query: string = `limit=500${after === null ? '' : `&after=${encodeURIComponent(after)}`}`;
        const answer = await call(`${url}/v1/services?${query}`, 'GET', {});
        if (answer.status === 429) this.rateLimited++;
        if (answer.status !== 200) return undefined;
        all.push(...(answer.body.services as ServiceWire[]));
        after = answer.body.next as string | null;
      } while (after !== null);
    } catch {
      return undefined;
    }
    return all;
  }
}
