/**
 * NPM's bearer token (NOTES §2): log in with `POST /tokens {identity, secret}`, refresh with
 * `GET /tokens` well before `expires` (default life one day), log in again when NPM says the
 * token has expired. One login at a time: concurrent callers share the same promise.
 *
 * The token never appears in an error or a log line.
 */
import { fromAnswer, npmError, type NpmAnswer } from './errors.js';

/** Sends one request; `token` null means "without Authorization". */
export type TokenSender = (method: 'GET' | 'POST', path: string, token: string | null, body?: unknown) => Promise<NpmAnswer>;

interface Held {
  readonly token: string;
  readonly expiresAt: number;
}

export interface SessionOptions {
  readonly email: string;
  readonly password: string;
  readonly now: () => number;
  /** Refresh when less than this is left of the token's life. */
  readonly refreshAheadMs: number;
}

/** Below this much life left a refresh might race the expiry: log in instead. */
const REFRESH_FLOOR_MS = 60_000;

export class NpmSession {
  private held: Held | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly options: SessionOptions,
    private readonly send: TokenSender,
  ) {}

  /** A token good for the next request: cached, refreshed ahead of expiry, or a new login. */
  token(): Promise<string> {
    const held = this.held;
    const left = held === undefined ? 0 : held.expiresAt - this.options.now();
    if (held !== undefined && left > this.options.refreshAheadMs) return Promise.resolve(held.token);
    this.pending ??= this.renew(left > REFRESH_FLOOR_MS ? held : undefined).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** NPM refused `token` as expired (or bad): forget it, unless a newer one replaced it already. */
  invalidate(token: string): void {
    if (this.held?.token === token) this.held = undefined;
  }

  private async renew(current: Held | undefined): Promise<string> {
    if (current !== undefined) {
      const answer = await this.send('GET', '/tokens', current.token);
      // Any refusal (expired meanwhile, keys rotated) falls back to a login.
      if (answer.status === 200) return this.keep(answer, 'refresh the NPM token');
    }
    const answer = await this.send('POST', '/tokens', null, { identity: this.options.email, secret: this.options.password });
    if (answer.status !== 200) throw fromAnswer('log in to NPM', answer);
    return this.keep(answer, 'log in to NPM');
  }

  private keep(answer: NpmAnswer, what: string): string {
    const body = answer.body as { token?: unknown; expires?: unknown; requires_2fa?: unknown } | undefined;
    if (body?.requires_2fa === true) {
      throw npmError('UPSTREAM_AUTH_FAILED', `${what}: the NPM service user has 2FA enabled; use one without`);
    }
    if (typeof body?.token !== 'string' || body.token === '') {
      throw npmError('UPSTREAM_UNAVAILABLE', `${what}: NPM's answer carried no token`);
    }
    const expires = typeof body.expires === 'string' ? Date.parse(body.expires) : Number.NaN;
    // Without a readable expiry assume NPM's default day; an early 400 still triggers a login.
    const expiresAt = Number.isFinite(expires) ? expires : this.options.now() + 86_400_000;
    this.held = { token: body.token, expiresAt };
    return body.token;
  }
}
