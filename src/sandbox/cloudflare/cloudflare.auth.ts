/**
 * Who is calling. The sandbox issues API tokens only (`Authorization: Bearer <token>`), and
 * answers the other cases the way the real API does:
 * - no credentials at all → 400 9106 (the SDK 7.3 sends such requests: its local check is bypassed);
 * - `X-Auth-Email`/`X-Auth-Key` present → the legacy global-key scheme, which takes precedence
 *   over a Bearer header. This is the trap reference NOTES §5 warns about: the SDK adds these
 *   headers from `CLOUDFLARE_EMAIL`/`CLOUDFLARE_API_KEY` unless given `apiKey: null, apiEmail: null`;
 * - a malformed Authorization header (wrong scheme, or a token that cannot be a token, such as a
 *   37-character global key pasted as a token) → 400 6003 with 6111 in its chain (ddns-go#81);
 * - a well-formed token nobody issued → 403 9109 "Invalid access token" (cert-manager#4465).
 */
import type { ErrorShape } from '../core/http-simulator.js';
import { CF, type CloudflareMessage } from './cloudflare.envelope.js';

export type AuthOutcome =
  | { readonly token: string }
  /** `unknownToken`: well-formed but never issued (the verify endpoint words that differently). */
  | { readonly error: ErrorShape; readonly unknownToken?: true };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** Real API tokens are 40 characters of [A-Za-z0-9_-]; anything shorter is a format error. */
const WELL_FORMED_TOKEN = /^[A-Za-z0-9_-]{40,}$/;
const GLOBAL_KEY = /^[0-9a-f]{37}$/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export function authenticate(headers: Headers, tokens: ReadonlySet<string>): AuthOutcome {
  const email = header(headers, 'x-auth-email');
  const key = header(headers, 'x-auth-key');
  if (email !== undefined || key !== undefined) return { error: legacy(email, key) };

  const authorization = header(headers, 'authorization');
  if (authorization === undefined) return { error: CF.missingAuth() };
  const match = /^Bearer +(\S+)$/i.exec(authorization);
  const token = match?.[1];
  if (token === undefined) return { error: CF.badAuthorizationHeader() };
  if (tokens.has(token)) return { token };
  return WELL_FORMED_TOKEN.test(token) ? { error: CF.invalidToken(), unknownToken: true } : { error: CF.badAuthorizationHeader() };
}

function legacy(email: string | undefined, key: string | undefined): ErrorShape {
  if (email === undefined || key === undefined) return CF.missingAuth();
  const chain: CloudflareMessage[] = [];
  if (!EMAIL.test(email)) chain.push({ code: 6102, message: 'Invalid format for X-Auth-Email header' });
  if (!GLOBAL_KEY.test(key)) chain.push({ code: 6103, message: 'Invalid format for X-Auth-Key header' });
  return chain.length > 0 ? CF.badGlobalKeyHeaders(chain) : CF.unknownGlobalKey();
}
