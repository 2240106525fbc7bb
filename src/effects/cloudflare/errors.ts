/**
 * What a Cloudflare failure means for the machine. The SDK throws one `APIError` subclass per
 * HTTP status (plus connection, timeout and abort errors without a status); the envelope's
 * `errors[].code` says more than the status does, so both are read — never the message text,
 * which is the raw body (reference NOTES §5, rule 11).
 */
// The error classes alone: the SDK's entry point loads ~1,100 modules (~1 s of boot), and the
// client loads it only on its first call (client.ts).
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'cloudflare/core/error';
import { AppError, type ErrorCode } from '../../errors.js';

export const SYSTEM = 'cloudflare';

/** "Record already exists." / "An identical record already exists.": maybe-success, re-list. */
export const DUPLICATE_CODES: readonly number[] = [81057, 81058];
/** An A/AAAA/CNAME of another kind holds the name (81053 CNAME over A, 81054 A over CNAME). */
export const NAME_TAKEN_CODES: readonly number[] = [81053, 81054];
/** "Record does not exist." */
export const RECORD_GONE_CODE = 81044;
/**
 * Credentials refused or malformed: 9109 invalid token, 9103 unknown key, 1000 invalid API token
 * (verify), 10000 "Authentication error" (a 403 on a missing permission), 9106 no credentials,
 * 6003/6111/6102/6103 malformed auth headers (these come as 400).
 */
const AUTH_CODES: readonly number[] = [9109, 9103, 9106, 1000, 10000, 6003, 6111, 6102, 6103];

export function errorCodes(error: unknown): number[] {
  if (!(error instanceof APIError)) return [];
  return (error.errors ?? []).flatMap((entry) => (typeof entry.code === 'number' ? [entry.code] : []));
}

export function hasCode(error: unknown, codes: readonly number[]): boolean {
  return errorCodes(error).some((code) => codes.includes(code));
}

/** Retry-After (seconds or an HTTP date) of a response, in milliseconds, if it says one. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | undefined {
  const value = headers?.get('retry-after-ms') ?? undefined;
  if (value !== undefined && Number.isFinite(Number(value))) return Math.max(0, Number(value));
  const raw = headers?.get('retry-after')?.trim();
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The envelope's errors as `code: message` text (Cloudflare's own words; never a secret). */
function describe(error: InstanceType<typeof APIError>): string {
  const parts = (error.errors ?? []).map((entry) => `${entry.code}: ${entry.message}`);
  return parts.length > 0 ? parts.join('; ') : 'no error details';
}

/**
 * A write that was seen through although its caller cancelled meanwhile (client.ts): classified
 * like any cancellation (`details.aborted`), with the abort reason as its cause.
 */
export function cancelledWrite(operation: string, reason: unknown): AppError {
  return new AppError('UPSTREAM_UNAVAILABLE', `cloudflare ${operation}: cancelled while Cloudflare carried it out; its answer was awaited and is dropped`, {
    retryable: true,
    system: SYSTEM,
    cause: reason,
    details: { aborted: true },
  });
}

/**
 * Turn anything an SDK call threw into an AppError. `operation` names the call (e.g.
 * "create DNS record"); `timeoutMs` is only for the message.
 */
export function classify(error: unknown, operation: string, timeoutMs: number, now: number): AppError {
  if (error instanceof AppError) return error;
  const fail = (code: ErrorCode, retryable: boolean, message: string, details?: Record<string, unknown>): AppError =>
    new AppError(code, `cloudflare ${operation}: ${message}`, { retryable, system: SYSTEM, cause: error, ...(details && { details }) });

  // Order matters: the timeout error extends the connection error, which extends APIError.
  if (error instanceof APIConnectionTimeoutError) return fail('UPSTREAM_TIMEOUT', true, `no answer within ${timeoutMs} ms`);
  if (error instanceof APIUserAbortError) return fail('UPSTREAM_UNAVAILABLE', true, 'cancelled before an answer arrived', { aborted: true });
  if (error instanceof APIConnectionError) return fail('UPSTREAM_UNAVAILABLE', true, 'connection failed');
  if (!(error instanceof APIError)) {
    return fail('INTERNAL', false, error instanceof Error ? error.message : String(error));
  }

  const status = error.status ?? 0;
  const codes = errorCodes(error);
  const text = `HTTP ${status} (${describe(error)})`;
  const details = { status, cloudflareCodes: codes };
  if (status === 429) {
    const waitMs = retryAfterMs(error.headers, now);
    const hint = waitMs === undefined ? '' : `; retry after ${Math.ceil(waitMs / 1000)} s`;
    return fail('UPSTREAM_RATE_LIMITED', true, `${text}${hint}`, { ...details, ...(waitMs !== undefined && { retryAfterMs: waitMs }) });
  }
  if (status >= 500) return fail('UPSTREAM_UNAVAILABLE', true, text, details);
  if (status === 401 || status === 403 || codes.some((code) => AUTH_CODES.includes(code))) {
    return fail('UPSTREAM_AUTH_FAILED', false, text, details);
  }
  if (status === 408) return fail('UPSTREAM_TIMEOUT', true, text, details);
  // The SDK retries 409 by default: Cloudflare uses it for a concurrent change that clears up.
  if (status === 409) return fail('RESOURCE_LOCKED', true, text, details);
  return fail('UPSTREAM_REJECTED', false, text, details);
}
