/**
 * The API's rules as README.md states them, written out independently of src/server so the
 * fuzz tests can judge the server's answers: which error codes exist and with which status,
 * and what a valid field looks like. Where the README is silent the comments say what is assumed.
 */
import { domainToASCII } from 'node:url';

/** README "HTTP API": every error code and the statuses it may come with. */
export const DOCUMENTED_ERRORS: Readonly<Record<string, readonly number[]>> = {
  // 426: a plain GET of the WebSocket feed (src/server/feed.ts states it). 408 and 431: what
  // Node's HTTP parser refuses (a request too slow, headers too large), once app.ts installs
  // error-handler.ts's clientErrorHandler.
  VALIDATION_FAILED: [400, 408, 415, 426, 431],
  UNAUTHORIZED: [401],
  NOT_FOUND: [404],
  STATE_CONFLICT: [409],
  DOMAIN_QUOTA_EXCEEDED: [409],
  DOMAIN_TAKEN: [409],
  SNAPSHOT_MISSING: [409],
  PLAN_TOO_SMALL: [409],
  SERVICE_DELETED: [410],
  PAYLOAD_TOO_LARGE: [413],
  UNKNOWN_PLAN: [422],
  IDEMPOTENCY_KEY_REUSED: [422],
  RATE_LIMITED: [429],
  PROVISIONING_FAILED: [502],
  IP_POOL_EXHAUSTED: [503],
  VMID_RANGE_EXHAUSTED: [503],
  SUBDOMAIN_EXHAUSTED: [503],
  SHUTTING_DOWN: [503],
};

/** Codes that say "your input is malformed": a request valid in every part never gets them. */
export const INPUT_ERRORS: ReadonlySet<string> = new Set(['VALIDATION_FAILED', 'UNAUTHORIZED', 'PAYLOAD_TOO_LARGE', 'UNKNOWN_PLAN', 'IDEMPOTENCY_KEY_REUSED']);

/** Codes the registry answers after recording the command in its inbox (state, not input). */
export const REGISTRY_ERRORS: ReadonlySet<string> = new Set([
  'NOT_FOUND', 'STATE_CONFLICT', 'DOMAIN_QUOTA_EXCEEDED', 'DOMAIN_TAKEN', 'SNAPSHOT_MISSING', 'PLAN_TOO_SMALL', 'SERVICE_DELETED', 'PROVISIONING_FAILED',
  'IP_POOL_EXHAUSTED', 'VMID_RANGE_EXHAUSTED', 'SUBDOMAIN_EXHAUSTED',
]);

/** `service_id` in a path or query: 1–64 of [A-Za-z0-9_.-], starting with a letter or digit. */
export function isServiceIdText(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value);
}

/** `service_id` in a body: the text form, or a positive integer (Paymenter's ids). */
export function isServiceIdInBody(value: unknown): boolean {
  return isServiceIdText(value) || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1);
}

/**
 * `email`: one address, at most 254 characters. Assumed: exactly one `@`; no whitespace,
 * control or invisible format characters and no lone surrogates (none is text an address
 * holds); a domain of two or more non-empty labels.
 */
export function isEmail(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 254 || /[\s\p{Cc}\p{Cf}\p{Cs}]/u.test(value)) return false;
  const parts = value.split('@');
  return parts.length === 2 && parts[0] !== '' && (parts[1] ?? '').split('.').length >= 2 && (parts[1] ?? '').split('.').every((label) => label !== '');
}

/** `public_ip`: dotted IPv4, each octet 0–255 written without leading zeros. */
export function isPublicIp(value: unknown): boolean {
  const octet = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
  return typeof value === 'string' && new RegExp(`^${octet}(?:\\.${octet}){3}$`).test(value);
}

/** A host name as DNS and certificates take it: LDH labels of 1–63, at most 253, two or more labels, not an IP. */
export function isAsciiHostname(value: string): boolean {
  const labels = value.split('.');
  return (
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1] ?? '')
  );
}

/**
 * `domain`: "a host name; IDN is converted to ASCII". Input that may pass: no ASCII beyond
 * letters, digits, dots and hyphens; no whitespace, control, format (zero-width, bidi) or lone
 * surrogate characters; and what it converts to is a host name.
 */
export function isDomainInput(value: unknown): boolean {
  if (typeof value !== 'string' || value === '' || value.length > 253) return false;
  if (Array.from(value).some((char) => char < '\u0080' && !/^[A-Za-z0-9.-]$/.test(char)) || /[\s\p{Cc}\p{Cf}\p{Cs}\p{Z}]/u.test(value)) return false;
  const ascii = domainToASCII(value.toLowerCase());
  return ascii !== '' && isAsciiHostname(ascii);
}

/** A query-string integer: plain decimal digits within the documented range. */
export function isDecimalIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'string' && /^[0-9]{1,6}$/.test(value) && Number(value) >= min && Number(value) <= max;
}

/** `?state=`: a state name (lower-case word). Assumed from the list route's schema. */
export function isStateName(value: unknown): boolean {
  return typeof value === 'string' && /^[a-z][a-z0-9_.-]{0,63}$/.test(value);
}

/** `Idempotency-Key`: 1–200 printable ASCII characters (src/server/fields.ts documents it). */
export function isIdempotencyKey(value: unknown): boolean {
  return typeof value === 'string' && /^[\x20-\x7e]{1,200}$/.test(value);
}

/** `Authorization: Bearer <token>`, the scheme in any case. */
export function isBearerFor(token: string, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = /^bearer +(\S+) *$/i.exec(value);
  return match?.[1] === token;
}

/** A body's Content-Type: JSON, with or without parameters (HTTP drops the surrounding blanks). */
export function isJsonContentType(value: unknown): boolean {
  return typeof value === 'string' && /^application\/json *(?:;.*)?$/i.test(value.trim());
}
