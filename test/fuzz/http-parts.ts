/**
 * The parts of an HTTP request, each drawn either from a generator of valid values or from a
 * hostile one. A part remembers which (`drawn`) and whether its value satisfies the documented
 * rule (`ok`): a value drawn as hostile may still happen to be valid, so the verdict on the
 * server's answer always uses `ok`.
 */
import fc from 'fast-check';
import { PLANS, TOKEN } from '../server/harness.js';
import { PAYMENTER_ID, SEEDED_DOMAIN, SEEDED_IDS } from './fuzz-app.js';
import {
  isBearerFor, isDomainInput, isEmail, isIdempotencyKey, isJsonContentType, isPublicIp, isServiceIdInBody, isServiceIdText,
} from './documented-rules.js';
import { damaged, hostileString, hostileValue } from './hostile-strings.js';

export interface Part<T> {
  readonly value: T;
  /** Drawn from the valid generator. */
  readonly drawn: boolean;
  /** Satisfies the documented rule. */
  readonly ok: boolean;
}

/** A field: valid values, hostile ones, and the documented rule that tells them apart. */
export interface FieldSpec {
  readonly valid: fc.Arbitrary<unknown>;
  readonly hostile: fc.Arbitrary<unknown>;
  readonly rule: (value: unknown) => boolean;
}

export function part<T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>, rule: (value: T) => boolean, validWeight = 3): fc.Arbitrary<Part<T>> {
  return fc
    .oneof(
      { weight: validWeight, arbitrary: valid.map((value) => ({ value, drawn: true })) },
      { weight: 2, arbitrary: hostile.map((value) => ({ value, drawn: false })) },
    )
    .map(({ value, drawn }) => ({ value, drawn, ok: rule(value) }));
}

export function fieldPart(spec: FieldSpec): fc.Arbitrary<Part<unknown>> {
  return part(spec.valid, spec.hostile, spec.rule);
}

// --- field values -------------------------------------------------------------------------

const serviceIdPattern = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
const knownIds = fc.constantFrom(...SEEDED_IDS);

const hostileServiceId = fc.oneof(
  hostileString(),
  damaged('s-active'),
  fc.constantFrom('-abc', '.hidden', '_x', 'a'.repeat(65), '..', '../s-active', 's-active/..', 's-active ', ' s-active', 'S-ACTIVE\u0131', '4242\u0000', '٤٢٤٢', '4242.0', '0x10A2', ''),
);

export const SERVICE_ID_TEXT: FieldSpec = {
  valid: fc.oneof({ weight: 3, arbitrary: knownIds }, { weight: 1, arbitrary: serviceIdPattern }),
  hostile: hostileServiceId,
  rule: isServiceIdText,
};

export const SERVICE_ID_BODY: FieldSpec = {
  valid: fc.oneof(
    { weight: 3, arbitrary: knownIds },
    { weight: 1, arbitrary: fc.constant(PAYMENTER_ID) },
    { weight: 1, arbitrary: serviceIdPattern },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) },
  ),
  hostile: fc.oneof(hostileServiceId, hostileValue(), fc.constantFrom(0, -1, 1.5, 2 ** 53, 1e21, -0, '1e3', [4242], { id: 4242 })),
  rule: isServiceIdInBody,
};

export const EMAIL: FieldSpec = {
  valid: fc.oneof(
    fc.emailAddress().filter((email) => email.length <= 254),
    // Local parts that fold into reserved or colliding subdomains.
    fc.constantFrom('WWW+billing@example.com', 'admin@example.com', 'Mail@Example.Com', 'José.Ñandú@example.es', 'owner-s-active@example.com', '用户@例子.广告', '___@example.com'),
  ),
  hostile: fc.oneof(hostileValue(300), damaged('jane@example.com'), fc.constantFrom('jane@localhost', 'a@b@c.com', '@example.com', 'jane@', 'jane@.com', 'jane@example..com', `${'a'.repeat(250)}@example.com`)),
  rule: isEmail,
};

export const PLAN: FieldSpec = {
  valid: fc.constantFrom(...PLANS),
  hostile: fc.oneof(hostileValue(), fc.constantFrom('Basic', 'basic ', 'BASIC', 'premium\u0000', 'p'.repeat(65), '__proto__', 'constructor', 'toString')),
  rule: (value) => typeof value === 'string' && PLANS.includes(value),
};

export const PUBLIC_IP: FieldSpec = {
  valid: fc.ipV4(),
  hostile: fc.oneof(hostileValue(), fc.ipV4Extended(), fc.ipV6(), damaged('203.0.113.10'), fc.constantFrom('203.0.113.010', '203.0.113.256', '203.0.113', '1.2.3.4.5', '0x7f.0.0.1', '２０３.0.113.10', '1'.repeat(1000))),
  rule: isPublicIp,
};

export const DOMAIN: FieldSpec = {
  valid: fc.oneof(
    fc.domain().filter(isDomainInput),
    fc.constantFrom(SEEDED_DOMAIN, 'Shop.Example.COM', 'bücher.example', 'пример.рф', 'ﬀ.example.com', 'xn--bcher-kva.example', 'a-b--c.example.org'),
  ),
  hostile: fc.oneof(
    hostileValue(300),
    damaged('shop.example.com'),
    fc.constantFrom('localhost', 'example', '.example.com', 'example.com.', 'a..b', '-a.com', 'a-.com', '1.2.3.4', 'a.123', 'xn--.com', 'xn--a.com', `${'a'.repeat(64)}.com`, `${'a.'.repeat(127)}com`, 'a%2eb.com', 'a.b/c', 'a.b?c', 'a.b#c', 'a@b.com', 'a b.com', 'a_b.com', '*.example.com', 'exa\u200dmple.com', '\u202eexample.com', 'a。b', 'a．b'),
  ),
  rule: isDomainInput,
};

// --- headers ------------------------------------------------------------------------------

/**
 * The Authorization header, or undefined for none. Repeated headers are left to the raw-socket
 * test: inject would pass an array where Node's parser keeps the first or joins them.
 */
export const AUTHORIZATION = part<string | undefined>(
  fc.constantFrom(`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`, `Bearer ${TOKEN} `),
  fc.oneof(
    fc.constantFrom(
      undefined, '', 'Bearer', 'Bearer ', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, TOKEN, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer\t${TOKEN}`, `Bearer ${TOKEN}\u200b`, `Bearer ${TOKEN.toUpperCase()}`, `Bearer ${TOKEN} ${TOKEN}`, `Token ${TOKEN}`, `Bearer "${TOKEN}"`,
      `Bearer ${TOKEN.replace('e', 'е')}`,
    ),
    hostileString().map((token) => `Bearer ${token}`),
    fc.integer({ min: 1_000, max: 20_000 }).map((n) => `Bearer ${'é'.repeat(n)}`),
    hostileString(),
  ),
  (value) => isBearerFor(TOKEN, value),
  6,
);

export const CONTENT_TYPE = part<string | undefined>(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON', 'application/json;charset=UTF-8'),
  fc.oneof(
    fc.constantFrom(
      undefined, '', 'text/plain', 'text/json', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-patch+json',
      'application/*', '*/*', 'application/json\u0000', 'application/json , text/plain', 'application/octet-stream', 'json', ';', 'application/json\u200b',
    ),
    hostileString(),
  ),
  (value) => isJsonContentType(value),
  8,
);

export const IDEMPOTENCY_KEY = part<string | undefined>(
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), minLength: 1, maxLength: 200 }) },
  ),
  fc.oneof(hostileString(), fc.constantFrom('', 'k'.repeat(201), 'é', 'key\n')),
  (value) => value === undefined || isIdempotencyKey(value),
);

/** Headers nobody asked for, in odd spellings. Values stay printable: inject passes them as given. */
export const NOISE_HEADERS = fc.dictionary(
  fc.constantFrom('x-forwarded-for', 'x-real-ip', 'forwarded', 'accept', 'accept-encoding', 'accept-language', 'cookie', 'user-agent', 'x-http-method-override', 'x-original-url', 'origin', 'referer', 'x-fuzz'),
  fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((text) => text.replace(/\p{Cc}/gu, '')), fc.constantFrom('DELETE', '127.0.0.1, 10.0.0.1', '../../etc/passwd', '*/*', 'gzip, br', 'identity;q=0')),
  { maxKeys: 3 },
);
