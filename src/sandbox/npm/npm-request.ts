/**
 * How NPM reads a request, in NPM's order: the bearer token is decoded first (expired → 400,
 * malformed → 500), then the body or parameters are validated, and only then is permission
 * checked — where a missing token falls through to the API's catch-all 404 (v2.13.0–v2.15.1;
 * NPM never answers 401).
 */
import type { FastifyRequest } from 'fastify';
import { checkSchema, errorsText } from './json-schema-check.js';
import type { NpmContext } from './npm-context.js';
import { npmErrors } from './npm-errors.js';
import { requestBodySchema, type RequestBodyKey } from './npm-schema.js';

/** The path without the query string, as Express's catch-all sees it. */
export function requestPath(request: FastifyRequest): string {
  const url = request.raw.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** backend/lib/express/jwt.js: exactly `Bearer <token>`; anything else is no token at all. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const [scheme, token] = header.split(' ');
  return scheme === 'Bearer' && token ? token : null;
}

/** jwt-decode: the caller's user id, null without a token; throws for a bad token. */
export function callerOf(npm: NpmContext, request: FastifyRequest): number | null {
  const token = bearerToken(request);
  if (token === null) return null;
  if (token === 'null') throw npmErrors.auth('Empty token');
  return npm.tokens.verify(token).attrs.id;
}

/** access.can(): without a token, NPM 2.15.1 ends in the catch-all "Not Found - <path>". */
export function requireCaller(caller: number | null, request: FastifyRequest): number {
  if (caller === null) throw npmErrors.notFound(requestPath(request));
  return caller;
}

/** backend/lib/validator/api.js: the vendored body schema, Ajv-style message, 400. */
export function validateBody<T>(key: RequestBodyKey, body: unknown): T {
  // Express hands an unparsed (absent, non-JSON) body over as {}.
  const { errors, value } = checkSchema(requestBodySchema(key), body ?? {});
  if (errors.length > 0) throw npmErrors.validation(errorsText(errors));
  return value as T;
}

function queryValue(request: FastifyRequest, name: string): string | null {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  // Express hands a repeated parameter over as an array, which NPM's routes ignore.
  return typeof value === 'string' ? value : null;
}

/** `?expand=a,b` split on commas (checked against the allowed relations later, at query time). */
export function expandParam(request: FastifyRequest): string[] | null {
  const value = queryValue(request, 'expand');
  return value === null ? null : value.split(',');
}

/** An unknown relation makes Objection throw an error without `status`: 500, no code. */
export function checkExpansions<T extends string>(expand: string[] | null, allowed: readonly T[]): Set<T> {
  const result = new Set<T>();
  for (const name of expand ?? []) {
    if (name === '') continue;
    if (!(allowed as readonly string[]).includes(name)) {
      throw npmErrors.library('ValidationError', `unallowed relation "${name}"`);
    }
    result.add(name as T);
  }
  return result;
}

/** `?query=` must be 1–255 characters when present (common.json#/properties/query). */
export function searchParam(request: FastifyRequest): string | null {
  const value = queryValue(request, 'query');
  if (value !== null && (value.length < 1 || value.length > 255)) {
    throw npmErrors.internalValidation('data/query must NOT have fewer than 1 characters');
  }
  return value;
}

/** GET by id validates `common#/properties/id` (integer ≥ 1, coerced): else 400 "Internal Error". */
export function validatedId(raw: string): number {
  const { errors, value } = checkSchema({ type: 'integer', minimum: 1 }, raw);
  if (errors.length > 0) throw npmErrors.internalValidation(errorsText(errors));
  return value as number;
}

/** The other id routes just `parseInt` (a bad id reads "Not Found - NaN"). */
export function looseId(raw: string): number {
  return Number.parseInt(raw, 10);
}
