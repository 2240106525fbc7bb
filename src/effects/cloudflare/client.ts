/**
 * The one door to Cloudflare: the official SDK, configured so that it never acts on its own
 * (no retries, no credentials from the environment), and a `call()` every request goes
 * through — a concurrency slot, then the request budget, then one attempt with a timeout and the
 * caller's signal, then classification into the error taxonomy. A read lost in transit is asked
 * again (read-retry.ts: never a 429, whose Retry-After the machine waits out); a write never.
 *
 * Cancellation depends on what the request does, which the caller declares (the SDK call is
 * opaque here). A read stops the moment the caller's signal aborts. A write is atomic with
 * respect to it: not sent if the signal has aborted already, otherwise seen through to
 * Cloudflare's answer (bounded by the timeout) and only then failed as cancelled. Cloudflare
 * keeps a record whose request we abandoned on the wire, and the deletion that runs next would
 * list the name before the record exists and leave it behind.
 */
import type Cloudflare from 'cloudflare';
import { APIConnectionTimeoutError, APIUserAbortError, RateLimitError } from 'cloudflare/core/error';
import pLimit from 'p-limit';
import { AppError } from '../../errors.js';
import { retryRead } from '../read-retry.js';
import { cancelledWrite, classify, retryAfterMs, SYSTEM } from './errors.js';
import { DEFAULT_BUDGET, RequestBudget, type BudgetLimit, type BudgetStatus } from './request-budget.js';

export const DEFAULT_BASE_URL = 'https://api.cloudflare.com/client/v4';
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Requests in flight at once. Cloudflare's own per-IP limit is 200/s; the budget is the real cap. */
export const DEFAULT_CONCURRENCY = 4;

export interface CloudflareClientOptions {
  /** An API token with `#dns_records:edit` on the zone. Never logged. */
  readonly apiToken: string;
  /** Must include `/client/v4` (the SDK appends paths to it). */
  readonly baseUrl?: string;
  /** Per request; the SDK's timeout is per attempt and we make one attempt. */
  readonly timeoutMs?: number;
  readonly budget?: BudgetLimit;
  readonly concurrency?: number;
  readonly now?: () => number;
}

/** `read`: GET, cancelled at once. `write`: POST/PATCH/PUT/DELETE, seen through once sent. */
export type RequestKind = 'read' | 'write';

/** What the SDK call receives: forward it as the call's request options. */
export interface RequestOptions {
  readonly signal: AbortSignal;
  readonly timeout: number;
  readonly maxRetries: 0;
}

export interface CloudflareClient {
  /**
   * One SDK request, budgeted, bounded and classified. `kind` says whether it changes anything
   * (see above: it decides how the signal applies); `operation` names it in errors.
   */
  call<T>(kind: RequestKind, operation: string, signal: AbortSignal, send: (sdk: Cloudflare, options: RequestOptions) => PromiseLike<T>): Promise<T>;
  /** Work waiting for or holding a concurrency slot, for status. */
  queue(): { readonly active: number; readonly pending: number };
  budget(): BudgetStatus;
}

export function createCloudflareClient(options: CloudflareClientOptions): CloudflareClient {
  const now = options.now ?? Date.now;
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const budget = new RequestBudget(options.budget ?? DEFAULT_BUDGET, now);
  const limit = pLimit(options.concurrency ?? DEFAULT_CONCURRENCY);
  // Loaded on the first call: the SDK's ~1,100 modules cost about a second of every boot
  // (docs/performance.md §5), and a daemon that never reaches Cloudflare need not pay it.
  let sdk: Promise<Cloudflare> | undefined;
  const loadSdk = async (): Promise<Cloudflare> => {
    try {
      const { default: CloudflareSdk } = await import('cloudflare');
      return new CloudflareSdk(sdkOptions);
    } catch (error) {
      // Not remembered: the next call tries again.
      sdk = undefined;
      throw error;
    }
  };
  const sdkOptions = {
    apiToken: options.apiToken,
    // Explicit nulls: otherwise CLOUDFLARE_API_KEY / CLOUDFLARE_EMAIL from the environment add
    // legacy auth headers, which Cloudflare prefers over the Bearer token (NOTES §5).
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    baseURL: options.baseUrl ?? DEFAULT_BASE_URL,
    // Its retries re-send POSTs (duplicate records) and sleep on Retry-After without a cap.
    maxRetries: 0,
    timeout,
    // Failures reach the caller as AppErrors; the SDK's own console output would only duplicate them.
    logLevel: 'off' as const,
  };

  const attempt = async <T>(kind: RequestKind, operation: string, signal: AbortSignal, send: (sdk: Cloudflare, options: RequestOptions) => PromiseLike<T>): Promise<T> => {
    // Nothing is sent (or budgeted) for a caller that has gone already (it may have waited for a slot).
    if (signal.aborted) throw classify(new APIUserAbortError(), operation, timeout, now());
    const decision = budget.take();
    if (!decision.allowed) {
      // We never wait here: the machine owns backoff, and the wait can be minutes.
      const seconds = Math.ceil(decision.waitMs / 1000);
      const why = decision.blocked
        ? 'Cloudflare answered 429 and its Retry-After has not passed, so nothing is sent'
        : `our request budget is spent (${budget.limit.requests} per ${budget.limit.windowMs / 1000} s)`;
      throw new AppError('UPSTREAM_RATE_LIMITED', `cloudflare ${operation}: ${why}; retry in ${seconds} s`, {
        retryable: true,
        system: SYSTEM,
        details: { retryAfterMs: decision.waitMs, local: true },
      });
    }
    // A write gets only its own deadline: the SDK's timeout covers the headers, this the whole exchange.
    const deadline = kind === 'write' ? AbortSignal.timeout(timeout) : undefined;
    let result: T;
    try {
      sdk ??= loadSdk();
      result = await send(await sdk, { signal: deadline ?? signal, timeout, maxRetries: 0 });
    } catch (error) {
      if (error instanceof RateLimitError) {
        // Cloudflare blocks every call for a while after a 429; calling again only extends it.
        budget.blockFor(retryAfterMs(error.headers, now()) ?? budget.limit.windowMs);
      }
      if (deadline !== undefined && signal.aborted) throw cancelledWrite(operation, signal.reason);
      // The SDK reports its options' signal as a user abort: for a write that is our deadline.
      if (deadline?.aborted === true && error instanceof APIUserAbortError) {
        throw classify(new APIConnectionTimeoutError(), operation, timeout, now());
      }
      throw classify(error, operation, timeout, now());
    }
    // The caller left while the write ran: whatever Cloudflare answered, it must not go on.
    if (deadline !== undefined && signal.aborted) throw cancelledWrite(operation, signal.reason);
    return result;
  };

  return {
    call: (kind, operation, signal, send) => {
      const once = () => limit(() => attempt(kind, operation, signal, send));
      // A read lost in transit (5xx, reset) is asked again, each try spending budget of its own.
      return kind === 'read' ? retryRead(once, signal) : once();
    },
    queue: () => ({ active: limit.activeCount, pending: limit.pendingCount }),
    budget: () => budget.status(),
  };
}
