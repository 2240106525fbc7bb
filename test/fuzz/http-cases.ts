/**
 * Every HTTP route of README's tables as a generator of requests: path parameters (percent-
 * encoded, raw, double-encoded), query strings (duplicates, noise keys), bodies (http-bodies.ts)
 * and headers (bearer token, Content-Type, Idempotency-Key, noise).
 */
import fc from 'fast-check';
import {
  AUTHORIZATION, CONTENT_TYPE, DOMAIN, EMAIL, IDEMPOTENCY_KEY, NOISE_HEADERS, PLAN, PUBLIC_IP, SERVICE_ID_BODY, SERVICE_ID_TEXT, fieldPart,
  type FieldSpec, type Part,
} from './http-parts.js';
import { isDecimalIn, isStateName } from './documented-rules.js';
import { bodyArb } from './http-bodies.js';
import { hostileString, wellFormed } from './hostile-strings.js';

export interface FuzzRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

export interface FuzzCase {
  readonly route: string;
  readonly request: FuzzRequest;
  /** Every part came from its valid generator: the server must not call the request malformed. */
  readonly drawnValid: boolean;
  /** Every part satisfies the documented rules: only such a request may succeed. */
  readonly documentedValid: boolean;
  /** The bearer token is right (the first thing the server checks). */
  readonly authorized: boolean;
}

/** A query parameter: its spec and whether the route needs it. */
interface QuerySpec extends FieldSpec {
  readonly required?: boolean;
}

export interface RouteSpec {
  readonly method: FuzzRequest['method'];
  /** Path segments; a FieldSpec is a parameter. */
  readonly path: readonly (string | FieldSpec)[];
  readonly query?: Readonly<Record<string, QuerySpec>>;
  /** JSON body fields (all required); undefined: the route takes no body. */
  readonly body?: Readonly<Record<string, FieldSpec>>;
}

const decimal = (min: number, max: number, validMax = max): QuerySpec => ({
  valid: fc.integer({ min, max: validMax }).map(String),
  hostile: fc.oneof(
    hostileString(12),
    fc.constantFrom(String(min - 1), String(max + 1), '1.5', '1e2', '0x10', '0b1', '0o7', '+5', ' 5', '5 ', '-0', '', 'true', 'false', 'null', 'NaN', 'Infinity', '1_0', '٣', '１', '9'.repeat(400)),
  ),
  rule: (value) => isDecimalIn(value, min, max),
});

const STATE: QuerySpec = {
  valid: fc.constantFrom('active', 'suspended', 'deleted', 'failed', 'allocating', 'no.such-state_9'),
  hostile: fc.oneof(hostileString(), fc.constantFrom('Active', 'a'.repeat(65), '', '9lives')),
  rule: isStateName,
};

const COMMANDS = ['retry', 'suspend', 'unsuspend', 'delete', 'reinstall', 'restore'] as const;

/** README's route tables. */
export const ROUTES: Readonly<Record<string, RouteSpec>> = {
  'POST /create-site': {
    method: 'POST', path: ['create-site'],
    // A valid wait stays short: seeded services are settled and new ones settle in milliseconds.
    query: { wait: decimal(0, 110, 2) },
    body: { service_id: SERVICE_ID_BODY, email: EMAIL, plan: PLAN, public_ip: PUBLIC_IP },
  },
  'POST /suspend': { method: 'POST', path: ['suspend'], body: { service_id: SERVICE_ID_BODY } },
  'POST /unsuspend': { method: 'POST', path: ['unsuspend'], body: { service_id: SERVICE_ID_BODY } },
  'POST /delete-site': { method: 'POST', path: ['delete-site'], body: { service_id: SERVICE_ID_BODY } },
  'POST /customdomain/add': { method: 'POST', path: ['customdomain', 'add'], body: { service_id: SERVICE_ID_BODY, domain: DOMAIN } },
  'GET /status': { method: 'GET', path: ['status'], query: { service_id: { ...SERVICE_ID_TEXT, required: true } } },
  'GET /v1/services': { method: 'GET', path: ['v1', 'services'], query: { state: STATE, after: SERVICE_ID_TEXT, limit: decimal(1, 500) } },
  'GET /v1/services/:id': { method: 'GET', path: ['v1', 'services', SERVICE_ID_TEXT] },
  'GET /v1/system': { method: 'GET', path: ['v1', 'system'] },
  'GET /v1/services/:id/log': { method: 'GET', path: ['v1', 'services', SERVICE_ID_TEXT, 'log'], query: { limit: decimal(1, 2000) } },
  ...Object.fromEntries(
    COMMANDS.map((command) => [`POST /v1/services/:id/${command}`, { method: 'POST', path: ['v1', 'services', SERVICE_ID_TEXT, command] } satisfies RouteSpec]),
  ),
  'POST /v1/services/:id/plan': { method: 'POST', path: ['v1', 'services', SERVICE_ID_TEXT, 'plan'], body: { plan: PLAN } },
  'GET /v1/services/:id/domains': { method: 'GET', path: ['v1', 'services', SERVICE_ID_TEXT, 'domains'] },
  'POST /v1/services/:id/domains': { method: 'POST', path: ['v1', 'services', SERVICE_ID_TEXT, 'domains'], body: { domain: DOMAIN } },
  'POST /v1/services/:id/domains/:domain/retry': { method: 'POST', path: ['v1', 'services', SERVICE_ID_TEXT, 'domains', DOMAIN, 'retry'] },
  'DELETE /v1/services/:id/domains/:domain': { method: 'DELETE', path: ['v1', 'services', SERVICE_ID_TEXT, 'domains', DOMAIN] },
};

// --- path ---------------------------------------------------------------------------------

type Encoding = 'component' | 'raw' | 'double';

/**
 * Keeps `%`, `.` and the other printable ASCII as typed (so `%2e%2e`, `%00` or `%zz` reach the
 * router literally). Separators are still escaped: inject resolves `/..` and `\` the way a
 * browser would, which a real server never does; the raw-socket test sends those as they are.
 */
function rawSegment(text: string): string {
  return Array.from(text, (char) => (/^[\x21-\x7e]$/.test(char) && !'/\\?#'.includes(char) ? char : encodeURIComponent(wellFormed(char)))).join('');
}

function encodeSegment(text: string, encoding: Encoding): string {
  if (encoding === 'component') return encodeURIComponent(wellFormed(text));
  if (encoding === 'double') return encodeURIComponent(encodeURIComponent(wellFormed(text)));
  return rawSegment(text);
}

/** What the router hands the handler for a segment, or undefined when it is not one segment. */
function decodedSegment(segment: string): string | undefined {
  if (segment.includes('/') || segment === '' || segment === '.' || segment === '..') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

interface Built {
  readonly text: string;
  readonly drawn: boolean;
  readonly ok: boolean;
}

const encodingArb = fc.oneof({ weight: 6, arbitrary: fc.constant<Encoding>('component') }, { weight: 1, arbitrary: fc.constant<Encoding>('raw') }, { weight: 1, arbitrary: fc.constant<Encoding>('double') });

function pathArb(path: RouteSpec['path']): fc.Arbitrary<Built> {
  const segments = path.map((segment) => {
    if (typeof segment === 'string') return fc.constant<Built>({ text: segment, drawn: true, ok: true });
    return fc.tuple(fieldPart(segment), encodingArb).map(([param, encoding]): Built => {
      const text = encodeSegment(String(param.value), encoding);
      const decoded = decodedSegment(text);
      // A lone surrogate cannot be percent-encoded: what arrives is U+FFFD, judged as such.
      const ok = decoded !== undefined && segment.rule(decoded);
      return { text, drawn: param.drawn && encoding === 'component' && wellFormed(String(param.value)) === String(param.value), ok };
    });
  });
  return fc.tuple(...segments).map((built) => ({
    text: `/${built.map((segment) => segment.text).join('/')}`,
    drawn: built.every((segment) => segment.drawn),
    ok: built.every((segment) => segment.ok),
  }));
}

// --- query --------------------------------------------------------------------------------

function queryArb(query: RouteSpec['query'] = {}): fc.Arbitrary<Built> {
  const entries = Object.entries(query).map(([name, spec]) =>
    fc
      .record({
        present: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        value: fieldPart(spec),
        repeated: fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      })
      .map(({ present, value, repeated }): Built => {
        const text = String(value.value);
        if (!present) return { text: '', drawn: spec.required !== true, ok: spec.required !== true };
        const pair = `${name}=${encodeURIComponent(wellFormed(text))}`;
        const ok = !repeated && spec.rule(wellFormed(text));
        return { text: repeated ? `${pair}&${pair}` : pair, drawn: value.drawn && wellFormed(text) === text && !repeated, ok };
      }),
  );
  const noise = fc.array(
    fc.tuple(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'x', 'token', 'a[b]', '', '%zz', 'q;r'), hostileString(10).map((key) => `x${key}`)), hostileString(20)),
    { maxLength: 3 },
  );
  return fc.tuple(fc.tuple(...entries), noise, fc.boolean()).map(([built, extra, shuffle]) => {
    const pairs = [...built.map((entry) => entry.text).filter((text) => text !== ''), ...extra.map(([key, value]) => `${encodeURIComponent(wellFormed(key))}=${encodeURIComponent(wellFormed(value))}`)];
    if (shuffle) pairs.reverse();
    // Noise keys are never the route's own parameters (encoded, they cannot spell one).
    const ok = built.every((entry) => entry.ok) && extra.every(([key]) => !Object.hasOwn(query, key));
    return { text: pairs.length === 0 ? '' : `?${pairs.join('&')}`, drawn: built.every((entry) => entry.drawn) && extra.length === 0, ok };
  });
}

// --- whole requests -----------------------------------------------------------------------

function setHeader(headers: Record<string, string>, name: string, value: Part<string | undefined>): void {
  if (value.value !== undefined) headers[name] = value.value;
}

export function requestArb(name: string, route: RouteSpec): fc.Arbitrary<FuzzCase> {
  const hasBody = route.body !== undefined;
  return fc
    .record({
      path: pathArb(route.path),
      query: queryArb(route.query),
      body: bodyArb(route.method, route.body),
      authorization: AUTHORIZATION,
      contentType: CONTENT_TYPE,
      idempotencyKey: IDEMPOTENCY_KEY,
      noise: NOISE_HEADERS,
    })
    .map(({ path, query, body, authorization, contentType, idempotencyKey, noise }): FuzzCase => {
      const headers: Record<string, string> = { ...noise };
      setHeader(headers, 'authorization', authorization);
      const sendsBody = body.payload !== undefined;
      if (sendsBody) setHeader(headers, 'content-type', contentType);
      // Only commands read the key; on reads it is noise.
      const command = route.method !== 'GET';
      if (command) setHeader(headers, 'idempotency-key', idempotencyKey);
      const contentTypeOk = !sendsBody || contentType.ok;
      const keyOk = !command || idempotencyKey.ok;
      return {
        route: name,
        request: { method: route.method, url: `${path.text}${query.text}`, headers, ...(sendsBody ? { payload: body.payload } : {}) },
        drawnValid: path.drawn && query.drawn && body.drawn && authorization.drawn && (!sendsBody || contentType.drawn) && (!command || idempotencyKey.drawn),
        documentedValid: path.ok && query.ok && body.ok && authorization.ok && contentTypeOk && keyOk && (hasBody ? sendsBody : true),
        authorized: authorization.ok,
      };
    });
}
