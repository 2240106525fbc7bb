/**
 * A DNS record body as the API validates it: JSON types first (9207), then the record rules in
 * the order a client meets them — type, name, content per type, TTL, proxy, comment, tags.
 * Unknown body fields are ignored, as the real API ignores them (its deprecation notice for
 * `zone_id`/`zone_name` says so). POST and PUT take a whole record; PATCH merges into the stored one.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { ErrorShape } from '../core/http-simulator.js';
import { CF } from './cloudflare.envelope.js';
import { RECORD_TYPES } from './cloudflare.schema.js';
import { cnameTarget, isProxiable, recordFqdn } from './dns-names.js';

/** The types the sandbox simulates; other valid types are refused with a message that says so. */
export const SIMULATED_TYPES = ['A', 'AAAA', 'CNAME', 'TXT'] as const;

export interface RecordDraft {
  readonly type: string;
  /** Lower-case Punycode FQDN. */
  readonly name: string;
  readonly content: string;
  readonly proxied: boolean;
  /** 1 = automatic; proxied records are always automatic. */
  readonly ttl: number;
  readonly comment: string | null;
  readonly tags: readonly string[];
  readonly settings: Readonly<Record<string, boolean>>;
}

export type DraftOutcome = { readonly draft: RecordDraft } | { readonly error: ErrorShape };

export type WriteMode = 'create' | 'replace' | 'patch';

/** Free-plan comment limit (reference: comment length ≤ 100). */
const COMMENT_MAX = 100;
const TAG = /^[A-Za-z0-9_-]+:.*$/;
/** Settings the SDK 7 types define per record type; other keys are ignored. */
const SETTING_KEYS: Readonly<Record<string, readonly string[]>> = {
  A: ['ipv4_only', 'ipv6_only'],
  AAAA: ['ipv4_only', 'ipv6_only'],
  CNAME: ['ipv4_only', 'ipv6_only', 'flatten_cname'],
  TXT: [],
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const wrongType = (body: Record<string, unknown>): boolean => {
  const is = (key: string, ok: (v: unknown) => boolean): boolean => body[key] === undefined || ok(body[key]);
  const string = (v: unknown): boolean => typeof v === 'string';
  return !(
    is('type', string) &&
    is('name', string) &&
    is('content', string) &&
    is('ttl', (v) => typeof v === 'number' && Number.isFinite(v)) &&
    is('proxied', (v) => typeof v === 'boolean') &&
    is('comment', (v) => v === null || typeof v === 'string') &&
    is('tags', (v) => v === null || (Array.isArray(v) && v.every(string))) &&
    is('settings', (v) => v === null || isObject(v))
  );
};

/**
 * Check `body` for `zoneName`. `base` is the stored record for PATCH; for POST/PUT omitted
 * fields take the API defaults (ttl 1, not proxied, no comment, no tags).
 */
export function parseRecordBody(body: unknown, zoneName: string, mode: WriteMode, base?: RecordDraft): DraftOutcome {
  if (!isObject(body) || wrongType(body)) return { error: CF.invalidBody() };
  const start = mode === 'patch' ? base : undefined;
  const type = (body.type as string | undefined) ?? start?.type;
  const rawName = (body.name as string | undefined) ?? start?.name;
  if (type === undefined || rawName === undefined) return { error: CF.invalidBody() };
  if (!RECORD_TYPES.includes(type)) return { error: CF.invalidType() };
  if (!(SIMULATED_TYPES as readonly string[]).includes(type)) return { error: CF.unsupportedType(type, SIMULATED_TYPES) };

  const name = recordFqdn(rawName, zoneName);
  if (name === undefined) return { error: CF.invalidName() };

  const content = checkContent(type, (body.content as string | undefined) ?? start?.content ?? '', name);
  if ('error' in content) return content;

  const proxied = (body.proxied as boolean | undefined) ?? start?.proxied ?? false;
  const ttl = (body.ttl as number | undefined) ?? start?.ttl ?? 1;
  if (!(ttl === 1 || (Number.isInteger(ttl) && ttl >= 60 && ttl <= 86400))) return { error: CF.invalidTtl() };
  if (proxied && !isProxiable(type, content.value)) return { error: CF.notProxiable() };

  const comment = body.comment === undefined ? (start?.comment ?? null) : (body.comment as string | null);
  if (comment !== null && comment.length > COMMENT_MAX) return { error: CF.commentTooLong() };

  const tags = body.tags === undefined ? (start?.tags ?? []) : ((body.tags as string[] | null) ?? []);
  const badTag = tags.find((tag) => !TAG.test(tag));
  if (badTag !== undefined) return { error: CF.invalidTag(badTag) };

  return {
    draft: {
      type,
      name,
      content: content.value,
      proxied,
      // Proxied records always answer with Cloudflare's automatic TTL.
      ttl: proxied ? 1 : ttl,
      comment: comment === '' ? null : comment,
      tags: [...tags],
      settings: settings(type, body.settings as Record<string, unknown> | null | undefined, type === start?.type ? start.settings : undefined),
    },
  };
}

function checkContent(type: string, content: string, name: string): { value: string } | { error: ErrorShape } {
  switch (type) {
    case 'A':
      return isIPv4(content.trim()) ? { value: content.trim() } : { error: CF.invalidIpv4() };
    case 'AAAA':
      return isIPv6(content.trim()) ? { value: content.trim().toLowerCase() } : { error: CF.invalidIpv6() };
    case 'CNAME': {
      const target = cnameTarget(content);
      // "A valid hostname. Must not match the record's name." (dns-records_CNAMERecord)
      return target === undefined || target === name ? { error: CF.invalidCname() } : { value: target };
    }
    default:
      return content === '' ? { error: CF.invalidContent(type) } : { value: content };
  }
}

function settings(
  type: string,
  given: Record<string, unknown> | null | undefined,
  previous: Readonly<Record<string, boolean>> | undefined,
): Record<string, boolean> {
  const result: Record<string, boolean> = type === 'CNAME' ? { flatten_cname: false } : {};
  Object.assign(result, previous);
  for (const key of SETTING_KEYS[type] ?? []) {
    const value = given?.[key];
    if (typeof value === 'boolean') result[key] = value;
  }
  return result;
}
