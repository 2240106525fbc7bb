/**
 * What NPM's answers mean for provisiond (NOTES §2, §3, §6). NPM never answers 401: an
 * expired token is 400 "Token has expired", a bad one 500, a missing one 404 (≤ v2.15.1) or
 * 403. Certbot failures are all 500 "Internal Error"; the real cause is only in `debug` on
 * certificate routes, so that is where the LE rate limits and validation failures are told apart.
 */
import { AppError, type AppErrorOptions, type ErrorCode } from '../../errors.js';

export const SYSTEM = 'npm';

/** An answer of NPM's API, JSON-parsed when it was JSON. */
export interface NpmAnswer {
  readonly status: number;
  readonly body: unknown;
}

export function npmError(code: ErrorCode, message: string, options: Omit<AppErrorOptions, 'system'> = {}): AppError {
  const retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
  return new AppError(code, message, { ...options, retryable, system: SYSTEM });
}

const RETRYABLE_BY_DEFAULT = new Set<ErrorCode>([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_RATE_LIMITED',
  'RESOURCE_LOCKED',
  'SITE_NOT_LIVE',
]);

/** `error.message` of NPM's error shape, if any. */
export function npmMessage(body: unknown): string | undefined {
  const inner = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof inner?.message === 'string' ? inner.message : undefined;
}

/** Library errors (a malformed or badly signed JWT among them) carry no `code` in the body. */
export function hasNoErrorCode(body: unknown): boolean {
  const inner = (body as { error?: { code?: unknown } } | null)?.error;
  return inner !== undefined && inner.code === undefined;
}

export function isTokenExpired(answer: NpmAnswer): boolean {
  return answer.status === 400 && npmMessage(answer.body) === 'Token has expired';
}

/** NPM's duplicate-name check: `400 "<name> is already in use"`, no error code (NOTES §4). */
export function isAlreadyInUse(answer: NpmAnswer): boolean {
  return answer.status === 400 && (npmMessage(answer.body)?.endsWith(' is already in use') ?? false);
}

/** The AppError for a non-2xx answer to `what` (a short description, never a secret). */
export function fromAnswer(what: string, answer: NpmAnswer): AppError {
  const { status, body } = answer;
  const message = npmMessage(body) ?? '';
  const details = { status, npmMessage: message };
  if (isTokenExpired(answer)) {
    // Only reached when a fresh login's token is refused too: clocks disagree, an operator must look.
    return npmError('UPSTREAM_AUTH_FAILED', `${what}: NPM refused a fresh token as expired`, { details });
  }
  if (status === 400 && message === 'Invalid email or password') {
    return npmError('UPSTREAM_AUTH_FAILED', `${what}: NPM refused the service user's credentials`, { details });
  }
  if (status === 403 || (status === 404 && message.startsWith('Not Found - /'))) {
    // 404 "Not Found - /api/…" is how v2.13–v2.15.1 say "no permission" (NOTES §2).
    return npmError('UPSTREAM_AUTH_FAILED', `${what}: NPM denied permission (${status})`, { details });
  }
  if (isAlreadyInUse(answer)) {
    return npmError('RESOURCE_CONFLICT', `${what}: ${message}`, { details: { ...details, reason: 'in_use' } });
  }
  if (status === 429) return npmError('UPSTREAM_RATE_LIMITED', `${what}: NPM answered 429`, { details });
  if (status >= 500) {
    const certbot = certbotFailure(what, body, details);
    if (certbot !== undefined) return certbot;
    return npmError('UPSTREAM_UNAVAILABLE', `${what}: NPM answered ${status} ${message}`.trimEnd(), { details });
  }
  return npmError('UPSTREAM_REJECTED', `${what}: NPM answered ${status} ${message}`.trimEnd(), { details });
}

/** certbot's output as NPM puts it in `debug.stack` on certificate routes. */
function debugText(body: unknown): string {
  const stack = (body as { debug?: { stack?: unknown } } | null)?.debug?.stack;
  if (Array.isArray(stack)) return stack.filter((line) => typeof line === 'string').join('\n');
  return typeof stack === 'string' ? stack : '';
}

const LOCKED = ['another instance of certbot is already running'];
/** Let's Encrypt limits (#4616, #1350, #2565): wait hours, not seconds. */
const RATE_LIMITED = ['too many certificates', 'too many failed authorizations', 'too many new orders', 'ratelimited', 'rate limit'];
/** HTTP-01 cannot reach NPM for the name: DNS does not point here (yet), or port 80 is closed. */
const VALIDATION = [
  'some challenges have failed', 'dns problem', 'nxdomain', 'no valid ip addresses', 'timeout during connect',
  'invalid response from', 'unauthorized', 'connection refused', 'no txt record',
];

function certbotFailure(what: string, body: unknown, details: Record<string, unknown>): AppError | undefined {
  const text = debugText(body);
  if (text === '') return undefined;
  const lower = text.toLowerCase();
  // The first line is NPM's error class and certbot's first words: enough for an operator.
  const excerpt = (text.split('\n')[0] ?? '').slice(0, 300);
  const withCertbot = { ...details, certbot: excerpt };
  if (LOCKED.some((needle) => lower.includes(needle))) {
    return npmError('RESOURCE_LOCKED', `${what}: another certbot run holds NPM's lock`, { details: withCertbot });
  }
  if (RATE_LIMITED.some((needle) => lower.includes(needle))) {
    return npmError('UPSTREAM_RATE_LIMITED', `${what}: Let's Encrypt rate limit (back off for hours)`, {
      details: { ...withCertbot, backoff: 'hours' },
    });
  }
  if (VALIDATION.some((needle) => lower.includes(needle))) {
    return npmError('UPSTREAM_REJECTED', `${what}: the ACME challenge failed (the name does not reach NPM)`, {
      details: withCertbot,
    });
  }
  return undefined;
}

/** undici / socket errors: timeouts and broken connections are both worth retrying. */
export function fromTransport(what: string, error: unknown, timedOut: boolean): AppError {
  const code = (error as { code?: unknown } | null)?.code;
  const name = typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown';
  const timeoutCodes = ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT'];
  if (timedOut || timeoutCodes.includes(name)) {
    return npmError('UPSTREAM_TIMEOUT', `${what}: NPM did not answer in time`, { cause: error });
  }
  return npmError('UPSTREAM_UNAVAILABLE', `${what}: connection to NPM failed (${name})`, { cause: error });
}
