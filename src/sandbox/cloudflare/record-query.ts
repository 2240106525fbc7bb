/**
 * `GET /zones/{zone_id}/dns_records` filters, as the 2024 spec and the SDK 7 types define them:
 * `name`, `content`, `comment` (each also `.exact|.contains|.startswith|.endswith`, the SDK's
 * dotted form of `name: {exact}`), `comment.present|absent`, `type`, `proxied`, the `tag*`
 * family (combined by `tag_match`), `search`, all combined by `match` (all = AND, any = OR);
 * then `order`/`direction` and `page`/`per_page` (default 100).
 */
import type { ResultInfo } from './cloudflare.envelope.js';
import { DIRECTIONS, MATCHES, RECORD_ORDERS, RECORD_TYPES } from './cloudflare.schema.js';
import {
  bool, compareWith, count, oneOf, paginate, single, type Query, type TextOp, textMatches,
} from './query-params.js';
import type { StoredRecord } from './record-store.js';

type Predicate = (record: StoredRecord) => boolean;

export interface RecordQuery {
  readonly terms: readonly Predicate[];
  readonly tagTerms: readonly Predicate[];
  readonly search: string | undefined;
  readonly any: boolean;
  readonly tagAny: boolean;
  readonly order: string;
  readonly descending: boolean;
  readonly page: number;
  readonly perPage: number;
}

const OPS: readonly TextOp[] = ['exact', 'contains', 'startswith', 'endswith'];

/** `name`, `name.exact`, … as predicates on one field (null fields never match). */
function textTerms(query: Query, field: string, value: (r: StoredRecord) => string | null): Predicate[] {
  const terms: Predicate[] = [];
  const plain = single(query, field);
  if (plain !== undefined) terms.push((r) => value(r) !== null && textMatches(value(r) ?? '', 'exact', plain));
  for (const op of OPS) {
    const wanted = single(query, `${field}.${op}`);
    if (wanted !== undefined) terms.push((r) => value(r) !== null && textMatches(value(r) ?? '', op, wanted));
  }
  return terms;
}

/** `tag=name` means tag.present, `tag=name:value` tag.exact (spec); values after the first colon. */
function tagTerms(query: Query): Predicate[] {
  const split = (tag: string): [string, string | undefined] => {
    const at = tag.indexOf(':');
    return at < 0 ? [tag.toLowerCase(), undefined] : [tag.slice(0, at).toLowerCase(), tag.slice(at + 1)];
  };
  const has = (r: StoredRecord, name: string, test: (value: string) => boolean): boolean =>
    r.tags.some((tag) => {
      const [tagName, tagValue] = split(tag);
      return tagName === name && test(tagValue ?? '');
    });
  const terms: Predicate[] = [];
  const shorthand = single(query, 'tag');
  if (shorthand !== undefined) {
    const [name, value] = split(shorthand);
    terms.push(value === undefined ? (r) => has(r, name, () => true) : (r) => has(r, name, (v) => textMatches(v, 'exact', value)));
  }
  const present = single(query, 'tag.present');
  if (present !== undefined) terms.push((r) => has(r, present.toLowerCase(), () => true));
  const absent = single(query, 'tag.absent');
  if (absent !== undefined) terms.push((r) => !has(r, absent.toLowerCase(), () => true));
  for (const op of OPS) {
    const wanted = single(query, `tag.${op}`);
    if (wanted === undefined) continue;
    const [name, value = ''] = split(wanted);
    terms.push((r) => has(r, name, (v) => textMatches(v, op, value)));
  }
  return terms;
}

/** Throws QueryError with the API's answer when a value breaks the spec. */
export function parseRecordQuery(query: Query): RecordQuery {
  const terms: Predicate[] = [
    ...textTerms(query, 'name', (r) => r.name),
    ...textTerms(query, 'content', (r) => r.content),
    ...textTerms(query, 'comment', (r) => r.comment),
  ];
  const type = oneOf(query, 'type', RECORD_TYPES);
  if (type !== undefined) terms.push((r) => r.type === type);
  const proxied = bool(query, 'proxied');
  if (proxied !== undefined) terms.push((r) => r.proxied === proxied);
  if (single(query, 'comment.present') !== undefined) terms.push((r) => r.comment !== null);
  if (single(query, 'comment.absent') !== undefined) terms.push((r) => r.comment === null);
  return {
    terms,
    tagTerms: tagTerms(query),
    search: single(query, 'search'),
    any: (oneOf(query, 'match', MATCHES) ?? 'all') === 'any',
    tagAny: (oneOf(query, 'tag_match', MATCHES) ?? 'all') === 'any',
    order: oneOf(query, 'order', RECORD_ORDERS) ?? 'type',
    descending: oneOf(query, 'direction', DIRECTIONS) === 'desc',
    page: count(query, 'page', 1, 1, Number.MAX_SAFE_INTEGER),
    perPage: count(query, 'per_page', 100, 1, 5_000_000),
  };
}

type OrderKey = (r: StoredRecord) => string | number | boolean;
const byType: OrderKey = (r) => r.type;
const ORDER_KEYS: Readonly<Record<string, OrderKey>> = {
  type: byType,
  name: (r) => r.name,
  content: (r) => r.content.toLowerCase(),
  ttl: (r) => r.ttl,
  proxied: (r) => r.proxied,
};

export function runRecordQuery(records: readonly StoredRecord[], q: RecordQuery): { items: StoredRecord[]; info: ResultInfo } {
  const combine = (terms: readonly Predicate[], any: boolean): Predicate | undefined =>
    terms.length === 0 ? undefined : any ? (r) => terms.some((t) => t(r)) : (r) => terms.every((t) => t(r));
  const tagGroup = combine(q.tagTerms, q.tagAny);
  const matcher = combine(tagGroup === undefined ? q.terms : [...q.terms, tagGroup], q.any);
  const search = q.search?.toLowerCase();
  const matching = records.filter(
    (r) =>
      (matcher === undefined || matcher(r)) &&
      (search === undefined || [r.name, r.content, r.comment ?? ''].some((field) => field.toLowerCase().includes(search))),
  );
  const primary = compareWith(ORDER_KEYS[q.order] ?? byType, q.descending);
  const byName = compareWith<StoredRecord>((r) => r.name, false);
  const byContent = compareWith<StoredRecord>((r) => r.content, false);
  const byCreation = compareWith<StoredRecord>((r) => r.createdOn, false);
  const sorted = [...matching].sort((a, b) => primary(a, b) || byName(a, b) || byContent(a, b) || byCreation(a, b));
  return paginate(sorted, q.page, q.perPage);
}
