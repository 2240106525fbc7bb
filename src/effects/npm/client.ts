/**
 * The transport to NPM's `/api`: undici, a bounded number of requests in flight (p-limit),
 * a timeout per request, and the bearer token. When NPM refuses the token as expired
 * (400 "Token has expired", NOTES §2) the client logs in again and sends the same request once
 * more: that is part of one operation, not a retry — NPM decodes the token before it does
 * anything, so the first request had no effect.
 *
 * Reads (and logging in, which creates nothing that matters) lost in transit or answered by a
 * gateway (502/503/504: the proxy in front, not NPM's own logic) are asked again
 * (read-retry.ts); other writes get exactly one attempt.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, type Dispatcher } from 'undici';
import { hasNoErrorCode, isTokenExpired, type NpmAnswer } from './errors.js';
import { NpmSession } from './session.js';
import { retryRead } from '../read-retry.js';
import { exchange, parseAnswer, type RawAnswer } from './transport.js';

const REPEATABLE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD']);
const GATEWAY_ERRORS: ReadonlySet<number> = new Set([502, 503, 504]);
const lostAnswer = (answer: NpmAnswer): boolean => GATEWAY_ERRORS.has(answer.status);

export interface NpmClientOptions {
  /** NPM's API base, e.g. `http://npm.internal:81/api`. */
  readonly url: string;
  readonly email: string;
  readonly password: string;
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly now: () => number;
  readonly refreshAheadMs: number;
}

export interface CallOptions {
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
  /** Overrides the client's timeout (certbot runs take minutes). */
  readonly timeoutMs?: number;
  readonly what: string;
}

export interface QueueState {
  readonly active: number;
  readonly pending: number;
}

export class NpmClient {
  private readonly limit: LimitFunction;
  private readonly dispatcher: Dispatcher;
  private readonly base: string;
  private readonly session: NpmSession;

  constructor(private readonly options: NpmClientOptions) {
    this.limit = pLimit(options.concurrency);
    this.dispatcher = new Agent({ connect: { timeout: Math.min(options.timeoutMs, 10_000) } });
    this.base = options.url.replace(/\/+$/, '');
    this.session = new NpmSession(
      { email: options.email, password: options.password, now: options.now, refreshAheadMs: options.refreshAheadMs },
      (method, path, token, body) =>
        this.raw(method, path, token, { body, what: path === '/tokens' ? 'log in to NPM' : path }),
    );
  }

  /** One authenticated API call; non-2xx answers are returned, not thrown. */
  async call(method: Dispatcher.HttpMethod, path: string, options: CallOptions): Promise<NpmAnswer> {
    const token = await this.session.token();
    let answer = await this.raw(method, path, token, options);
    if (isTokenExpired(answer)) {
      this.session.invalidate(token);
      answer = await this.raw(method, path, await this.session.token(), options);
    } else if (answer.status === 500 && hasNoErrorCode(answer.body)) {
      // A malformed or badly signed token reads 500 without a code: start afresh next time.
      this.session.invalidate(token);
    }
    return answer;
  }

  /** Any other request to the same machine (the proxy itself) shares the concurrency bound. */
  limited<T>(work: () => Promise<T>): Promise<T> {
    return this.limit(work);
  }

  get agent(): Dispatcher {
    return this.dispatcher;
  }

  queue(): QueueState {
    return { active: this.limit.activeCount, pending: this.limit.pendingCount };
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private raw(method: Dispatcher.HttpMethod, path: string, token: string | null, options: CallOptions): Promise<NpmAnswer> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const repeatable = REPEATABLE_METHODS.has(method.toUpperCase()) || (method.toUpperCase() === 'POST' && path === '/tokens');
    if (!repeatable) return this.once(method, path, headers, options);
    return retryRead(() => this.once(method, path, headers, options), options.signal, undefined, lostAnswer);
  }

  /** One exchange in one concurrency slot. */
  private once(method: Dispatcher.HttpMethod, path: string, headers: Record<string, string>, options: CallOptions): Promise<NpmAnswer> {
    return this.limit(async () => {
      const raw: RawAnswer = await exchange({
        dispatcher: this.dispatcher,
        url: `${this.base}${path}`,
        method,
        headers,
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        timeoutMs: options.timeoutMs ?? this.options.timeoutMs,
        signal: options.signal,
        what: options.what,
      });
      return parseAnswer(raw);
    });
  }
}
