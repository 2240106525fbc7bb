/**
 * How an ISPConfig answer becomes an AppError. json.php answers HTTP 200 for almost everything,
 * so the envelope's `code` and the fault TEXT are all a client gets: the SoapFault's own code is
 * lost on the wire. Fault texts come in English or as raw language keys, each followed by
 * `<br />\r\n` (NOTES §4), so every matcher knows both forms.
 */
import { AppError, type ErrorCode } from '../../errors.js';

export const SYSTEM = 'ispconfig';

/** The faults the effects branch on; everything else is `other`. */
export type FaultKind =
  | 'session_expired'
  | 'permission_denied'
  | 'login_failed'
  | 'maintenance'
  | 'origin_taken'
  | 'duplicate'
  | 'transient_database'
  | 'other';

const MATCHERS: ReadonlyArray<readonly [FaultKind, RegExp]> = [
  ['session_expired', /session_does_not_exist|Session is expired or does not exist|session_id_empty|SessionID is empty/i],
  ['permission_denied', /permission_denied|do not have the permissions/i],
  ['login_failed', /login_failed|login failed|login is not allowed/i],
  ['maintenance', /maintenance/i],
  ['origin_taken', /origin_error_unique|domain.*already exists|zone.*already exists/i],
  ['duplicate', /data_error_duplicate|duplicate/i],
  // MySQL conditions that go away by themselves; any other database_error is our request's fault.
  ['transient_database', /Deadlock found|Lock wait timeout|server has gone away|Too many connections|Lost connection/i],
];

/** `<br />`-separated messages as one line of plain text, capped (SQL can be long). */
export function plainFault(message: string): string {
  const text = message
    .replace(/<br\s*\/?>/gi, '; ')
    .replace(/<[^>]*>/g, '')
    .replace(/\s+/g, ' ')
    .replace(/(;\s*)+$/, '')
    .trim();
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function faultKind(message: string): FaultKind {
  for (const [kind, pattern] of MATCHERS) if (pattern.test(message)) return kind;
  return 'other';
}

function fail(code: ErrorCode, message: string, retryable: boolean, details?: Record<string, unknown>, cause?: unknown): AppError {
  return new AppError(code, message, { system: SYSTEM, retryable, ...(details === undefined ? {} : { details }), ...(cause === undefined ? {} : { cause }) });
}

/** A `remote_fault` envelope from `method`. `details.fault` carries the kind for callers. */
export function remoteFaultError(method: string, message: string): AppError {
  const kind = faultKind(message);
  const text = `ISPConfig ${method}: ${plainFault(message)}`;
  const details = { fault: kind, method };
  switch (kind) {
    case 'session_expired':
      // Only reaches a caller when a fresh session was refused too.
      return fail('UPSTREAM_UNAVAILABLE', text, true, details);
    case 'permission_denied':
    case 'login_failed':
      return fail('UPSTREAM_AUTH_FAILED', text, false, details);
    case 'maintenance':
    case 'transient_database':
      return fail('UPSTREAM_UNAVAILABLE', text, true, details);
    case 'origin_taken':
    case 'duplicate':
      return fail('RESOURCE_CONFLICT', text, false, details);
    case 'other':
      return fail('UPSTREAM_REJECTED', text, false, details);
  }
}

/** `invalid_method` / `invalid_class` / `invalid_data`: our request is wrong, retrying cannot help. */
export function dispatchError(method: string, code: string, message: string): AppError {
  return fail('UPSTREAM_REJECTED', `ISPConfig ${method}: ${code}: ${plainFault(message)}`, false, { fault: code, method });
}

/** The body was not a JSON envelope: PHP died, a proxy answered, or the API is switched off. */
export function badBodyError(method: string, status: number, body: string): AppError {
  if (/Remote API is disabled/i.test(body)) {
    return fail('UPSTREAM_AUTH_FAILED', `ISPConfig ${method}: the remote API is disabled in the panel's security settings`, false, { method, status });
  }
  const what = `ISPConfig ${method}: HTTP ${status} without a JSON envelope`;
  if (status === 429) return fail('UPSTREAM_RATE_LIMITED', what, true, { method, status });
  if (status === 401 || status === 403) return fail('UPSTREAM_AUTH_FAILED', what, false, { method, status });
  // 4xx other than the above: the URL or request is wrong (e.g. 404 for a wrong json.php path).
  if (status >= 400 && status < 500) return fail('UPSTREAM_REJECTED', what, false, { method, status });
  // 200 with HTML or an empty body (PHP fatal, $app->error page), 5xx, 59x: transient.
  return fail('UPSTREAM_UNAVAILABLE', what, true, { method, status });
}

/** A transport failure: timeout, cancellation, refused or reset connection. */
export function transportError(method: string, error: unknown, timedOut: boolean, cancelled: boolean): AppError {
  if (cancelled) return fail('SHUTTING_DOWN', `ISPConfig ${method}: cancelled`, true, { method }, error);
  if (timedOut) return fail('UPSTREAM_TIMEOUT', `ISPConfig ${method}: no answer in time`, true, { method }, error);
  const code = (error as { code?: unknown } | null)?.code;
  const detail = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
  return fail('UPSTREAM_UNAVAILABLE', `ISPConfig ${method}: ${detail}`, true, { method }, error);
}

export function faultOf(error: unknown): FaultKind | undefined {
  if (!(error instanceof AppError) || error.system !== SYSTEM) return undefined;
  const fault = error.details?.fault;
  return typeof fault === 'string' ? (fault as FaultKind) : undefined;
}
