/**
 * Query-string helpers shared by the list endpoints: one value per parameter, numbers and enums
 * checked against the spec, page/per_page turned into a page of results with `result_info`.
 * Unknown parameters are ignored, as the real API ignores them (the SDK sends ones newer than the
 * vendored spec, such as `include_shadow_metadata`).
 */
import type { ErrorShape } from '../core/http-simulator.js';
import { CF, type ResultInfo } from './cloudflare.envelope.js';

export type Query = Readonly<Record<string, string | string[] | undefined>>;

export class QueryError extends Error {
  constructor(readonly shape: ErrorShape) {
    super('invalid query');
  }
}

/** The single value of `name`, or undefined; a repeated parameter is refused. */
export function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new QueryError(CF.invalidQuery(name));
  return value;
}

export function oneOf(query: Query, name: string, allowed: readonly string[]): string | undefined {
  const value = single(query, name);
  if (value !== undefined && !allowed.includes(value)) throw new QueryError(CF.invalidQuery(name));
  return value;
}

export function bool(query: Query, name: string): boolean | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new QueryError(CF.invalidQuery(name));
  return value === 'true';
}

/** A whole number ≥ `min`; above `max` it is lowered to `max` (the API caps page sizes). */
export function count(query: Query, name: string, fallback: number, min: number, max: number): number {
  const value = single(query, name);
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new QueryError(CF.invalidQuery(name));
  return Math.min(n, max);
}

export type TextOp = 'exact' | 'contains' | 'startswith' | 'endswith';

/** Case-insensitive comparison, as the spec says of the name, content and comment filters. */
export function textMatches(value: string, op: TextOp, wanted: string): boolean {
  const v = value.toLowerCase();
  const w = wanted.toLowerCase();
  switch (op) {
    case 'exact':
      return v === w;
    case 'contains':
      return v.includes(w);
    case 'startswith':
      return v.startsWith(w);
    case 'endswith':
      return v.endsWith(w);
  }
}

export function compareWith<T>(key: (item: T) => string | number | boolean, descending: boolean) {
  return (a: T, b: T): number => {
    const ka = key(a);
    const kb = key(b);
    const order = ka < kb ? -1 : ka > kb ? 1 : 0;
    return descending ? -order : order;
  };
}

/** One page; past the end it is empty (the SDK's iterator stops only on an empty page). */
export function paginate<T>(items: readonly T[], page: number, perPage: number): { items: T[]; info: ResultInfo } {
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice,
    info: {
      page,
      per_page: perPage,
      count: slice.length,
      total_count: items.length,
      total_pages: Math.ceil(items.length / perPage),
    },
  };
}
