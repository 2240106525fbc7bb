/**
 * The daemon's logger: JSON lines (pino), secrets redacted by path wherever they could
 * appear. Credentials never belong in log calls at all; redaction is the second fence.
 * On a terminal the same lines can be shown pretty; they are formatted from the JSON pino
 * has already redacted, so the pretty form can show nothing the JSON would not.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { batchedStdout } from './batched-stdout.js';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["idempotency-key"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.token',
  '*.apiToken',
  '*.password',
  '*.secret',
  '*.privateKey',
];

/** What Fastify's request serializer reads of a request. */
interface LoggedRequest {
  readonly method?: string;
  readonly url?: string;
  readonly host?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}

/** The query parameter's name as URLSearchParams reads it (`%74oken` is `token` too). */
function parameterName(part: string): string {
  const raw = part.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** A URL with the value of every `token` query parameter (the feed's browser credential) censored. */
function censorToken(url: string): string {
  const at = url.indexOf('?');
  if (at === -1) return url;
  const query = url.slice(at + 1).split('&').map((part) => (parameterName(part) === 'token' ? `${part.split('=', 1)[0]}=[redacted]` : part));
  return `${url.slice(0, at)}?${query.join('&')}`;
}

/**
 * Fastify's request line without the feed's `?token=`: a path redaction cannot reach inside
 * the URL string. Fastify prefers a logger instance's own `req` serializer to its default, so
 * this holds for every request the daemon logs, refused ones included.
 */
export function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: req.url === undefined ? undefined : censorToken(req.url),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

/** Pretty when asked, or when `auto` and stdout is a terminal; JSON otherwise (files, journald, pipes). */
export function resolveLogFormat(setting: 'auto' | 'json' | 'pretty', stdoutIsTty: boolean): 'json' | 'pretty' {
  return setting === 'auto' ? (stdoutIsTty ? 'pretty' : 'json') : setting;
}

/**
 * A destination that writes each JSON line pretty, synchronously (pino-pretty's own stream is
 * asynchronous, and the last lines before process.exit would be lost).
 */
function prettyDestination(out: pino.DestinationStream, colorize: boolean): pino.DestinationStream {
  const format = prettyFactory({ colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
  return { write: (line: string) => void out.write(format(line)) };
}

export interface LoggerSettings {
  readonly level?: string;
  /** Where lines go; default stdout (JSON written asynchronously in batches, pretty synchronously). */
  readonly destination?: pino.DestinationStream;
  /** Default `json`. */
  readonly format?: 'json' | 'pretty';
}

export function createLogger(options: LoggerSettings = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: 'provisiond' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { req: serializeRequest },
  };
  if (options.format === 'pretty') {
    const out = options.destination ?? pino.destination({ fd: 1, sync: true });
    return pino(config, prettyDestination(out, options.destination === undefined && process.stdout.isTTY));
  }
  // Asynchronous writes in batches (batched-stdout.ts). Lines keep their order, and pino
  // flushes what is buffered when the process exits; only a SIGKILL can cut the last lines,
  // and nothing the daemon needs lives in its log.
  return pino(config, options.destination ?? batchedStdout());
}

export type { Logger };
