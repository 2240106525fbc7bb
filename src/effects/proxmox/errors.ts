/**
 * One taxonomy for everything Proxmox answers (NOTES §2 and §13): HTTP errors, transport
 * failures and task exit statuses all become AppErrors with `system: 'proxmox'`. Guards read
 * the code; the message keeps PVE's own text (never a secret: we never echo headers).
 */
import { AppError, type ErrorCode } from '../../errors.js';

const SYSTEM = 'proxmox';

/** Retryable lock texts: per-CT config locks, the flock, and cluster-filesystem locks. */
const LOCKED = [/CT is locked/i, /can't lock file .* got timeout/i, /got lock request timeout/i, /Failed to obtain guest migration lock/i];
/** Someone changed the config between our read and our write: reading again helps. */
const CONCURRENT = /detected modified configuration/i;
const NO_QUORUM = /no quorum|cluster not ready/i;
const EXISTS = /already exists|already defined|already used/i;
/** Lookups of something that is not there (CT, HA resource, rule, snapshot, task). */
const MISSING = /does not exist|no such (?:resource|ha rule|task|snapshot)|is not HA managed/i;
/** A CT looked up on the wrong node: it moved (HA) between our resolve and our call. */
const STALE_NODE = /Configuration file 'nodes\/[^/]+\/lxc\/\d+\.conf' does not exist/;
const INVALID_RULE = /Rule '[^']*' is invalid/;

export interface HttpFailure {
  readonly status: number;
  readonly message: string;
  readonly errors?: Readonly<Record<string, unknown>>;
  /** `METHOD /path`, for the message; carries no secret. */
  readonly request: string;
}

function make(code: ErrorCode, message: string, retryable: boolean, details: Record<string, unknown>, cause?: unknown): AppError {
  return new AppError(code, message, { system: SYSTEM, retryable, details, ...(cause === undefined ? {} : { cause }) });
}

/** `field: message; …` from PVE's `errors` object, one line per field. */
export function summariseFieldErrors(errors: Readonly<Record<string, unknown>> | undefined): string {
  if (errors === undefined) return '';
  return Object.entries(errors)
    .map(([field, text]) => `${field}: ${String(text).trim().replace(/\s*\n\s*/g, ' ')}`)
    .join('; ');
}

/** Classify a 500 (or a task's exit status) by its text. */
function byText(text: string, details: Record<string, unknown>): AppError | undefined {
  if (LOCKED.some((re) => re.test(text)) || CONCURRENT.test(text)) return make('RESOURCE_LOCKED', text, true, details);
  if (NO_QUORUM.test(text)) return make('UPSTREAM_UNAVAILABLE', text, true, details);
  if (EXISTS.test(text)) return make('RESOURCE_CONFLICT', text, false, details);
  if (STALE_NODE.test(text)) return make('UPSTREAM_UNAVAILABLE', text, true, { ...details, missing: true });
  if (MISSING.test(text)) return make('UPSTREAM_REJECTED', text, false, { ...details, missing: true });
  if (INVALID_RULE.test(text)) return make('UPSTREAM_REJECTED', text, false, details);
  return undefined;
}

export function classifyHttp(failure: HttpFailure): AppError {
  const { status, request } = failure;
  const fields = summariseFieldErrors(failure.errors);
  const text = fields === '' ? failure.message : `${failure.message} (${fields})`;
  const details = { status, request };
  const where = `${request}: ${text}`;
  if (status === 401) return make('UPSTREAM_AUTH_FAILED', `Proxmox refused the API token (${request}: ${failure.message})`, false, details);
  if (status === 403) return make('UPSTREAM_REJECTED', where, false, details);
  if (status === 429) return make('UPSTREAM_RATE_LIMITED', where, true, details);
  if (status === 501) return make('UPSTREAM_REJECTED', where, false, { ...details, notImplemented: true });
  if (status >= 400 && status < 500) return make('UPSTREAM_REJECTED', where, false, details);
  if (status === 500) {
    const known = byText(failure.message, details);
    if (known !== undefined) return make(known.code, where, known.retryable, known.details ?? details);
  }
  return make('UPSTREAM_UNAVAILABLE', where, true, details);
}

const TIMEOUTS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);
const TRUST = /^(?:CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_TLS_CERT_ALTNAME_INVALID|ERR_PROXMOX_PIN_MISMATCH|HOSTNAME_MISMATCH)/;

/** A request that got no HTTP answer: cancelled, timed out, refused, reset, or untrusted. */
export function classifyTransport(error: unknown, request: string, signal: AbortSignal | undefined): AppError {
  if (error instanceof AppError) return error;
  const code = String((error as { code?: unknown }).code ?? '');
  const text = error instanceof Error ? error.message : String(error);
  const details = { request, transport: code };
  if (signal?.aborted === true) return make('UPSTREAM_TIMEOUT', `${request}: cancelled before Proxmox answered`, true, details, error);
  if (TIMEOUTS.has(code)) return make('UPSTREAM_TIMEOUT', `${request}: Proxmox did not answer in time (${code})`, true, details, error);
  if (TRUST.test(code)) return make('UPSTREAM_AUTH_FAILED', `${request}: TLS verification of the Proxmox API failed: ${text}`, false, details, error);
  return make('UPSTREAM_UNAVAILABLE', `${request}: ${text}${code === '' ? '' : ` (${code})`}`, true, details, error);
}

/**
 * A write that was seen through although its caller cancelled meanwhile (client.ts): the same
 * code as any cancellation (`classifyTransport`), the abort reason as the cause, and a message
 * that says Proxmox did get the request.
 */
export function cancelledAfterAnswer(request: string, reason: unknown): AppError {
  if (reason instanceof AppError) return reason;
  return make('UPSTREAM_TIMEOUT', `${request}: cancelled while Proxmox carried it out; its answer was awaited and is dropped`, true, { request, cancelled: true }, reason);
}

/** A task that ended with anything but `OK` / `WARNINGS: n` (NOTES §4). */
export function classifyTaskExit(exitstatus: string, upid: string): AppError {
  const details = { upid, exitstatus };
  const message = `Proxmox task ${upid} failed: ${exitstatus}`;
  if (LOCKED.some((re) => re.test(exitstatus)) || CONCURRENT.test(exitstatus)) return make('RESOURCE_LOCKED', message, true, details);
  // The worker died without a final line, or was interrupted: running it again is the fix.
  const retryable = /unexpected status|received interrupt|no quorum/i.test(exitstatus);
  return make('TASK_FAILED', message, retryable, details);
}

export const isTaskSuccess = (exitstatus: string): boolean => exitstatus === 'OK' || /^WARNINGS: \d+$/.test(exitstatus);

/** Did Proxmox say the thing looked up is not there? */
export function isMissing(error: unknown): boolean {
  return error instanceof AppError && error.details?.missing === true;
}

export function isNotImplemented(error: unknown): boolean {
  return error instanceof AppError && error.details?.notImplemented === true;
}

export function isConflict(error: unknown): boolean {
  return error instanceof AppError && error.code === 'RESOURCE_CONFLICT';
}

export function notOurs(what: string, serviceId: string): AppError {
  return make('NOT_OURS', `${what} exists but carries no provisiond marker for service ${serviceId}: not touching it`, false, {});
}
