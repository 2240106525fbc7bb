/**
 * Field rules that JSON Schema expresses poorly. Each returns the normalised value or throws
 * a VALIDATION_FAILED AppError naming the field, which the error handler turns into a 400.
 */
import { domainToASCII } from 'node:url';
import { AppError } from '../errors.js';
import { isIPv4 } from '../domain/ipv4.js';

function invalid(field: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${field}: ${message}`, { field });
}

/** Paymenter sends integers, operators strings; the registry keys on the string form. */
export function serviceIdOf(value: string | number): string {
  return typeof value === 'number' ? String(value) : value;
}

// One @, no whitespace or control characters anywhere, and a domain of two or more
// non-empty dot-separated labels. Deliberately not RFC 5322: billing already verified it.
// Also refused: lone surrogates (Cs), which UTF-8 cannot hold (SQLite would store U+FFFD in
// their place), and invisible format characters (Cf: bidi overrides, zero-width), which
// would make an address display as another one in logs and dashboards.
const EMAIL = /^[^\s@\p{Cc}\p{Cf}\p{Cs}]+@[^\s@.\p{Cc}\p{Cf}\p{Cs}]+(?:\.[^\s@.\p{Cc}\p{Cf}\p{Cs}]+)+$/u;

export function checkEmail(email: string): string {
  if (email.length > 254 || !EMAIL.test(email)) throw invalid('email', 'must be an e-mail address');
  return email;
}

export function checkPublicIp(ip: string): string {
  if (!isIPv4(ip)) throw invalid('public_ip', 'must be a dotted-quad IPv4 address');
  return ip;
}

export function checkPlan(plan: string, plans: readonly string[]): string {
  if (!plans.includes(plan)) {
    throw new AppError('UNKNOWN_PLAN', `plan: unknown plan ${JSON.stringify(plan)}; known plans: ${plans.join(', ')}`, {
      field: 'plan',
    });
  }
  return plan;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// domainToASCII parses like a URL host: it would turn "a%2eb" or "a.b/x" into "a.b". Only
// letters, marks, digits, dots and hyphens may reach it.
const HOST_CHARACTERS = /^[\p{L}\p{M}\p{N}.-]+$/u;

/**
 * A customer's hostname in the form DNS and certificates use: lower-case ASCII (IDN converted
 * to punycode), at most 253 characters, two or more labels. An all-numeric last label is
 * refused so that an IPv4 address never passes as a domain.
 */
export function normaliseDomain(input: string, field = 'domain'): string {
  const ascii = HOST_CHARACTERS.test(input) ? domainToASCII(input.toLowerCase()) : '';
  const labels = ascii.split('.');
  const valid =
    ascii !== '' &&
    ascii.length <= 253 &&
    labels.length >= 2 &&
    labels.every((label) => LABEL.test(label)) &&
    !/^\d+$/.test(labels[labels.length - 1] ?? '');
  if (!valid) throw invalid(field, 'must be a hostname such as shop.example.com');
  return ascii;
}

/**
 * A query-string whole number within `range`, or undefined when the parameter is absent. The
 * schema already admitted only decimal digits (schemas.ts, QueryDigits); this is the range.
 */
export function queryInteger(text: string | undefined, field: string, range: { readonly min: number; readonly max: number }): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text) || value < range.min || value > range.max) {
    throw invalid(field, `must be a whole number from ${range.min} to ${range.max}`);
  }
  return value;
}

const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,200}$/;

/** The optional Idempotency-Key header: 1–200 printable ASCII characters. */
export function idempotencyKeyOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const value = headers['idempotency-key'];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw invalid('Idempotency-Key', 'must be 1–200 printable ASCII characters');
  }
  return value;
}
