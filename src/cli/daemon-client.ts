/**
 * Talking to a running daemon: where it listens and which token it wants, from the same
 * environment the daemon reads, and its HTTP API with errors turned into one-line messages.
 * The token comes from PROVISIOND_API_TOKEN or the file the daemon keeps beside its database;
 * it is never taken from the command line (where `ps` and shell history would show it) and
 * never printed — messages name only where it came from.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CommandFailure, UsageError } from './context.js';

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The daemon's defaults (src/config.ts DEFAULTS, which test/cli/environment.test.ts holds these
 * to). Not imported: config.ts loads TypeBox and its schemas, seconds of start-up for a command
 * that only needs three constants.
 */
export const DAEMON_DEFAULTS = { host: '127.0.0.1', port: 8080, dbPath: 'data/provisiond.db' } as const;

export function databasePath(env: NodeJS.ProcessEnv): string {
  return env.PROVISIOND_DB === undefined || env.PROVISIOND_DB === '' ? DAEMON_DEFAULTS.dbPath : env.PROVISIOND_DB;
}

/** PROVISIOND_URL, else where the daemon of this environment listens (HOST and PORT, as it reads them). */
export function daemonUrl(env: NodeJS.ProcessEnv): string {
  const given = env.PROVISIOND_URL;
  if (given !== undefined && given !== '') {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw new UsageError(`PROVISIOND_URL: "${given}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`PROVISIOND_URL: must be http:// or https://, got "${given}"`);
    return url.href.replace(/\/+$/, '');
  }
  const host = env.HOST === undefined || env.HOST === '' ? DAEMON_DEFAULTS.host : env.HOST;
  // A daemon listening on every interface is reached on loopback.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const port = env.PORT === undefined || env.PORT === '' ? String(DAEMON_DEFAULTS.port) : env.PORT;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export interface ApiToken {
  readonly token: string;
  /** Where it was found, for messages: the variable's name or the file's path. */
  readonly source: string;
}

export function apiToken(env: NodeJS.ProcessEnv): ApiToken {
  const given = env.PROVISIOND_API_TOKEN;
  if (given !== undefined && given !== '') return { token: given, source: 'PROVISIOND_API_TOKEN' };
  const file = join(dirname(databasePath(env)), 'api-token');
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new UsageError(
      `no API token: set PROVISIOND_API_TOKEN, or point PROVISIOND_DB at the daemon's database so that ${file} (written by the daemon) can be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  if (token === '') throw new UsageError(`no API token: ${file} is empty`);
  return { token, source: file };
}

/** The socket's error code: Node's fetch hides it in `cause`, and ECONNREFUSED says far more than "fetch failed". */
export function networkReason(error: unknown): string {
  const { code, cause } = error as { code?: unknown; cause?: { code?: string; message?: string } };
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time';
  if (typeof code === 'string') return code;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

export function unreachable(url: string, error: unknown): CommandFailure {
  return new CommandFailure(`cannot reach the daemon at ${url} (${networkReason(error)}): is it running? PROVISIOND_URL, or HOST and PORT, say where it listens`);
}

export class DaemonClient {
  private constructor(
    readonly url: string,
    private readonly token: ApiToken,
  ) {}

  static fromEnvironment(env: NodeJS.ProcessEnv): DaemonClient {
    return new DaemonClient(daemonUrl(env), apiToken(env));
  }

  /** The bearer token, for the WebSocket feed's upgrade. */
  authorization(): string {
    return `Bearer ${this.token.token}`;
  }

  get tokenSource(): string {
    return this.token.source;
  }

  /** A JSON request; a refusal becomes `CODE: message` (exit 1), as does an unreachable daemon. */
  async request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: this.authorization(), accept: 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw unreachable(this.url, error);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new CommandFailure(`${method} ${this.url}${path} answered ${response.status} with something that is not JSON: is PROVISIOND_URL a provisiond daemon?`);
    }
    if (response.ok) return body as T;
    throw this.refusal(response.status, body);
  }

  refusal(status: number, body: unknown): CommandFailure {
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const text = typeof error?.code === 'string' ? `${error.code}: ${String(error.message)}` : `HTTP ${status}`;
    // Which token was refused helps; the token itself is never shown.
    return new CommandFailure(status === 401 ? `${text} (the token from ${this.token.source})` : text);
  }
}
