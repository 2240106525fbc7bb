/**
 * Transport for ISPConfig's remote JSON API (`POST <url>?<method>`, JSON object body, always
 * HTTP 200 with `{code, message, response}`), with the session kept between calls.
 *
 * Sessions live a fixed 30 minutes from login and are never extended by use (NOTES §2), so a
 * session is reused only for `sessionTtlMs` (default 25 minutes) and then replaced before the
 * panel drops it; if the panel still answers `session_does_not_exist` (restart, purge, clock),
 * the call logs in again ONCE and replays — the refused call did nothing, so replaying is safe.
 * Logins are serialised: concurrent callers share one login. Reads and logins lost in transit
 * are asked again (read-retry.ts); a write is sent once.
 *
 * One HTTP request is one slot of the concurrency limit; the session logic sits outside the
 * limiter so that a caller holding no slot can never wait on itself.
 *
 * Cancellation depends on the remote function. Reads (`*_get*`, and the session's own login
 * and logout) stop the moment the caller's signal aborts. Every other function changes the
 * panel and is atomic with respect to the signal: not sent if it has aborted already, otherwise
 * seen through to the panel's answer (bounded by the timeout) and only then failed as
 * cancelled. The panel finishes a request whose client went away, and the removal that runs
 * next would look before the record or zone exists and leave it behind.
 */
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { AppError } from '../../errors.js';
import { retryRead } from '../read-retry.js';
import { badBodyError, dispatchError, faultOf, remoteFaultError, transportError } from './errors.js';

export interface IspconfigClientOptions {
  /** The json.php endpoint, e.g. `https://panel.example.net:8080/remote/json.php`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Per HTTP request; default 15 s. */
  readonly timeoutMs?: number;
  /** How long a session is reused; default 25 minutes (the panel's lifetime is a fixed 30). */
  readonly sessionTtlMs?: number;
  /** Requests in flight at once; default 4. */
  readonly concurrency?: number;
  readonly now?: () => number;
}

interface Session {
  readonly id: string;
  readonly loggedInAt: number;
}

type Args = Readonly<Record<string, unknown>>;

/** `dns_zone_get`, `dns_rr_get_all_by_zone`, `get_function_list`, … and the session calls. */
const READ = /(?:^|_)get(?:_|$)/;
const SESSION = new Set(['login', 'logout']);

/** Does `method` change anything in the panel? Unknown names count as writes: the safe side. */
export function isWrite(method: string): boolean {
  return !SESSION.has(method) && !READ.test(method);
}

export class IspconfigClient {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly agent: Agent;
  private readonly timeoutMs: number;
  private readonly sessionTtlMs: number;
  private readonly now: () => number;
  private session: Session | undefined;
  private loggingIn: Promise<Session> | undefined;

  constructor(private readonly options: IspconfigClientOptions) {
    this.limit = pLimit(options.concurrency ?? 4);
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.sessionTtlMs = options.sessionTtlMs ?? 25 * 60_000;
    this.now = options.now ?? Date.now;
    this.agent = new Agent({ keepAliveTimeout: 10_000 });
  }

  /** Requests running and waiting for a slot, for the status page. */
  queue(): { active: number; pending: number } {
    return { active: this.limit.activeCount, pending: this.limit.pendingCount };
  }

  /** Call a remote function with a valid session; re-login once if the panel forgot it. */
  async call(method: string, args: Args, signal: AbortSignal): Promise<unknown> {
    const session = await this.currentSession(signal);
    try {
      return await this.rpc(method, { session_id: session.id, ...args }, signal);
    } catch (error) {
      if (faultOf(error) !== 'session_expired') throw error;
      this.forget(session);
      const fresh = await this.currentSession(signal);
      return this.rpc(method, { session_id: fresh.id, ...args }, signal);
    }
  }

  /** Best effort: end the session and close the connection pool. */
  async close(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      await this.rpc('logout', { session_id: session.id }, AbortSignal.timeout(this.timeoutMs)).catch(() => undefined);
    }
    await this.agent.close();
  }

  private forget(session: Session): void {
    if (this.session === session) this.session = undefined;
  }

  private async currentSession(signal: AbortSignal): Promise<Session> {
    const cached = this.session;
    if (cached !== undefined && this.now() - cached.loggedInAt < this.sessionTtlMs) return cached;
    this.loggingIn ??= this.login().finally(() => {
      this.loggingIn = undefined;
    });
    return raceSignal(this.loggingIn, signal);
  }

  /** Not bound to any one caller's signal: other callers may be waiting on the same login. */
  private async login(): Promise<Session> {
    const loggedInAt = this.now();
    const { username, password } = this.options;
    const id = await this.rpc('login', { username, password }, new AbortController().signal);
    if (typeof id !== 'string' || id === '') {
      throw new AppError('UPSTREAM_AUTH_FAILED', 'ISPConfig login answered no session id', { system: 'ispconfig' });
    }
    this.session = { id, loggedInAt };
    return this.session;
  }

  /**
   * The envelope's `response` on `ok`, else a classified AppError. Reads and logins lost in
   * transit are asked again (read-retry.ts); a write is sent once.
   */
  private rpc(method: string, body: Args, signal: AbortSignal): Promise<unknown> {
    const write = isWrite(method);
    if (write) return this.send(method, body, signal, write);
    return retryRead(() => this.send(method, body, signal, write), signal);
  }

  /** One HTTP request in one concurrency slot. */
  private send(method: string, body: Args, signal: AbortSignal, write: boolean): Promise<unknown> {
    return this.limit(async () => {
      // Nothing is sent for a caller that has gone already (it may have waited for a slot).
      if (signal.aborted) throw transportError(method, signal.reason, false, true);
      const timeout = AbortSignal.timeout(this.timeoutMs);
      let status: number;
      let text: string;
      try {
        const response = await request(`${this.options.url}?${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          // A write is bound by its timeout only: once sent it runs to its answer (see above).
          signal: write ? timeout : AbortSignal.any([signal, timeout]),
          dispatcher: this.agent,
        });
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        throw transportError(method, error, timeout.aborted, signal.aborted);
      }
      // The caller left while the write ran: whatever the panel answered (even an expired
      // session, which must not be replayed), it must not go on.
      if (write && signal.aborted) throw transportError(method, signal.reason, false, true);
      return unwrap(method, status, text);
    });
  }
}

function unwrap(method: string, status: number, text: string): unknown {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw badBodyError(method, status, text);
  }
  if (status !== 200 || typeof envelope !== 'object' || envelope === null || !('code' in envelope)) {
    throw badBodyError(method, status, '');
  }
  const { code, message, response } = envelope as { code: unknown; message?: unknown; response?: unknown };
  const messageText = typeof message === 'string' ? message : '';
  if (code === 'ok') return response;
  if (code === 'remote_fault') throw remoteFaultError(method, messageText);
  throw dispatchError(method, String(code), messageText);
}

/** Wait for `promise`, but give up when this caller's `signal` aborts. */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(transportError('login', signal.reason, false, true));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(transportError('login', signal.reason, false, true));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
