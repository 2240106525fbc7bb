/**
 * Request bodies: objects whose fields are valid or hostile, with unknown, duplicated or
 * prototype-poisoning keys; arbitrary JSON; malformed text; deep nesting; bodies over the
 * 16 KiB limit. Each comes with whether the documented rules admit it.
 */
import fc from 'fast-check';
import { fieldPart, type FieldSpec } from './http-parts.js';
import { hostileString, hostileValue } from './hostile-strings.js';

const BODY_LIMIT = 16 * 1024;

function bodyValid(text: string, fields: Readonly<Record<string, FieldSpec>>): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const keys = Object.keys(parsed);
  return (
    keys.length === Object.keys(fields).length &&
    Object.entries(fields).every(([name, spec]) => Object.hasOwn(parsed, name) && spec.rule((parsed as Record<string, unknown>)[name]))
  );
}

/** Nests `inner` `depth` times in arrays or objects. */
function nested(depth: number, kind: 'array' | 'object', inner: string): string {
  return kind === 'array' ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

interface BodyBuilt {
  readonly payload: string | undefined;
  readonly drawn: boolean;
}

function objectBody(fields: Readonly<Record<string, FieldSpec>>): fc.Arbitrary<BodyBuilt> {
  const members = Object.entries(fields).map(([name, spec]) =>
    fc.tuple(fc.constant(name), fieldPart(spec), fc.oneof({ weight: 12, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) })),
  );
  const extra = fc.option(fc.tuple(fc.oneof(hostileString(20), fc.constantFrom('coupon', '__proto__', 'constructor', 'service_id ', 'SERVICE_ID')), hostileValue()), { freq: 8 });
  return fc.tuple(fc.tuple(...members), extra, fc.boolean()).map(([built, more, duplicate]) => {
    const object: Record<string, unknown> = {};
    for (const [name, field, present] of built) if (present) object[name] = field.value;
    let payload = JSON.stringify(object);
    if (more !== null && !Object.hasOwn(fields, more[0])) payload = `${payload.slice(0, -1)}${payload.length > 2 ? ',' : ''}${JSON.stringify(more[0])}:${JSON.stringify(more[1])}}`;
    // A repeated key: JSON.parse keeps the last one; so must the server.
    const first = built[0];
    if (duplicate && first !== undefined && first[2]) payload = `{${JSON.stringify(first[0])}:"shadowed",${payload.slice(1)}`;
    const drawn = built.every(([, field, present]) => present && field.drawn && JSON.stringify(field.value) !== undefined) && more === null;
    return { payload, drawn };
  });
}

function hostileBody(fields: Readonly<Record<string, FieldSpec>>): fc.Arbitrary<BodyBuilt> {
  const name = Object.keys(fields)[0] ?? 'service_id';
  return fc
    .oneof(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      hostileString(200),
      fc.constantFrom('', ' ', '{', '}', '{"a":', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":1} {"a":2}', '{"a":1}x', '/*c*/{}', '\u0000', '{"\\ud800":1}', '"\\u0000"',
        `{"__proto__":{"${name}":"s-active"}}`, `{"constructor":{"prototype":{"${name}":"s-active"}}}`, `{"${name}":"s-active","__proto__":null}`),
      fc.tuple(fc.integer({ min: 50, max: 8_000 }), fc.constantFrom<'array' | 'object'>('array', 'object'), fc.boolean()).map(([depth, kind, wrapped]) => {
        const deep = nested(depth, kind, '1');
        return wrapped ? `{"${name}":${deep}}` : deep;
      }),
      // Over the 16 KiB limit: a well-formed body that is simply too large.
      fc.integer({ min: BODY_LIMIT, max: 200 * 1024 }).map((size) => `{"${name}":"${'a'.repeat(size)}"}`),
      fc.integer({ min: 2_000, max: 100_000 }).map((count) => `[${Array.from({ length: Math.min(count, 5_000) }, () => '0').join(',')}]`),
    )
    .map((payload) => ({ payload, drawn: false }));
}

/** A route's body: `fields` undefined for a route that takes none. */
export function bodyArb(method: string, fields: Readonly<Record<string, FieldSpec>> | undefined): fc.Arbitrary<BodyBuilt & { ok: boolean }> {
  // Reads take no body (Fastify does not read one on GET).
  if (method === 'GET') return fc.constant({ payload: undefined, drawn: true, ok: true });
  if (fields === undefined) {
    // A route without a body: none at all is right; any body must at least be JSON.
    return fc
      .oneof({ weight: 8, arbitrary: fc.constant<BodyBuilt>({ payload: undefined, drawn: true }) }, { weight: 1, arbitrary: hostileBody({}) })
      .map((body) => ({ ...body, ok: body.payload === undefined || isJsonText(body.payload) }));
  }
  return fc
    .oneof({ weight: 6, arbitrary: objectBody(fields) }, { weight: 2, arbitrary: hostileBody(fields) }, { weight: 1, arbitrary: fc.constant<BodyBuilt>({ payload: undefined, drawn: false }) })
    .map((body) => ({ ...body, ok: body.payload !== undefined && Buffer.byteLength(body.payload) <= BODY_LIMIT && bodyValid(body.payload, fields) }));
}

function isJsonText(text: string): boolean {
  if (text.trim() === '' || Buffer.byteLength(text) > BODY_LIMIT) return false;
  try {
    JSON.parse(text);
    return !/"(?:__proto__|constructor)"/.test(text);
  } catch {
    return false;
  }
}
