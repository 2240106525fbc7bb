/**
 * Raw HTTP/1.1 requests as bytes: request lines with odd methods, targets (traversal, percent
 * tricks, absolute URIs, NUL, very long) and versions; headers duplicated, flooded, oversized,
 * folded, with bare LF, NUL or non-ASCII bytes; Content-Length and Transfer-Encoding that lie
 * or contradict each other; and three ways to end (half-close, stay open, drop mid-request).
 */
import fc from 'fast-check';
import { TOKEN } from '../server/harness.js';
import type { Ending } from './raw-http.js';
import { hostileString } from './hostile-strings.js';

export interface RawCase {
  readonly bytes: Buffer;
  readonly ending: Ending;
  /** The first Authorization header, the one Node keeps (later duplicates are dropped). */
  readonly firstAuthorization: string | undefined;
  readonly summary: string;
}

const VALID_AUTH = `Bearer ${TOKEN}`;

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST', 'DELETE') },
  { weight: 2, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'PATCH', 'TRACE', 'PRI', 'get', 'G ET', '', 'ＧＥＴ', 'GET\0', 'M-SEARCH', 'PROPFIND') },
  { weight: 1, arbitrary: hostileString(20) },
);

const target = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '/v1/services/s-active', '/status?service_id=s-active', '/v1/services', '/suspend', '/create-site', '/v1/services/s-active/domains/shop.example.com',
      '/v1/services/../v1/system', '/v1/services/s-active/../s-deleted/delete', '/v1/services/%2e%2e/system', '/v1/services/%2E%2E%2Fsystem', '/v1/services/..%2f..%2fetc%2fpasswd',
      '/v1/services//s-active', '//v1/services', '/v1/services/s-active/', '/v1/services/s-active%00', '/v1/services/s-active%2500', '/v1/services/%ZZ', '/v1/services/%',
      '/v1/services/s-active\\..\\x', '/v1/services/s%E2%80%AEactive', '/v1/services/s-active;x=1', '/status?service_id=s-active&service_id=s-deleted', '/status?service_id=s-active#frag',
      '/v1/services?limit=1e3', '/v1/services?limit=%00', '/v1/events', '/v1/events?token=x', '*', 'http://evil.example/v1/system', 'https://127.0.0.1/v1/system', '//evil.example/v1/system',
      'v1/system', '/v1/system?' + 'a=1&'.repeat(3000), '/\u00e9', '/v1/services/\u00e9\u202e',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => `/${'a'.repeat(n)}`) },
  { weight: 1, arbitrary: hostileString(60).map((text) => `/v1/services/${text}`) },
);

const version = fc.oneof({ weight: 8, arbitrary: fc.constant('HTTP/1.1') }, { weight: 1, arbitrary: fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', '', 'HTTPS/1.1', 'http/1.1', 'HTTP/1.1 extra') });

type Header = readonly [string, string];

const authorization = fc.oneof(
  { weight: 6, arbitrary: fc.constant(VALID_AUTH) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', `Bearer ${TOKEN}x`, `bearer ${TOKEN}`, `Bearer ${TOKEN}\u00a0`, `Basic ${TOKEN}`, `Bearer ${'\u00e9'.repeat(5000)}`) },
  { weight: 1, arbitrary: hostileString(40).map((token) => `Bearer ${token}`) },
);

const framingHeader: fc.Arbitrary<Header> = fc.oneof(
  fc.constantFrom<Header>(
    ['Content-Length', '99999999999999999999'], ['Content-Length', '-1'], ['Content-Length', '1e3'], ['Content-Length', '0x10'], ['Content-Length', ' 5'], ['Content-Length', '5, 6'],
    ['Content-Length', '100000'], ['Content-Length', '0'], ['Transfer-Encoding', 'chunked'], ['Transfer-Encoding', 'gzip, chunked'], ['Transfer-Encoding', 'chunked, identity'],
    ['Transfer-Encoding', 'CHUNKED'], ['Transfer-Encoding', 'xchunked'], ['Expect', '100-continue'], ['Expect', 'x-fuzz'], ['Connection', 'close'], ['Connection', 'keep-alive, Upgrade'],
    ['Upgrade', 'h2c'], ['Upgrade', 'websocket'], ['Content-Type', 'application/json'], ['Content-Type', 'text/plain'], ['Content-Encoding', 'gzip'], ['Idempotency-Key', 'k1'],
    ['Idempotency-Key', 'k2'], ['Host', 'evil.example'], ['Host', ''], ['X-HTTP-Method-Override', 'DELETE'],
  ),
);

const oddHeader: fc.Arbitrary<Header> = fc.oneof(
  fc.constantFrom<Header>(['X Bad Name', 'v'], ['X-Colon:Name', 'v'], ['', 'empty name'], ['X-Nul\0', 'v'], ['X-\u00e9', 'v'], ['X-Val', 'a\0b'], ['X-Val', '\u00ff\u0080'], ['X-Fold', 'a\r\n folded']),
  fc.integer({ min: 100, max: 80_000 }).map((n): Header => ['X-Big', 'b'.repeat(n)]),
  fc.tuple(hostileString(15), hostileString(30)).map(([name, value]): Header => [`X-${name}`, value]),
);

const flood = fc.integer({ min: 50, max: 3_000 }).map((n): Header[] => Array.from({ length: n }, (_, i) => [`X-Flood-${i}`, 'v']));

const headers = fc
  .record({
    host: fc.oneof({ weight: 8, arbitrary: fc.constant<Header[]>([['Host', '127.0.0.1']]) }, { weight: 1, arbitrary: fc.constant<Header[]>([]) }),
    auth: fc.array(authorization, { minLength: 0, maxLength: 3 }),
    framing: fc.array(framingHeader, { maxLength: 4 }),
    odd: fc.array(oddHeader, { maxLength: 2 }),
    flood: fc.option(flood, { freq: 8 }),
  })
  .map(({ host, auth, framing, odd, flood: many }) => ({
    list: [...host, ...auth.map((value): Header => ['Authorization', value]), ...framing, ...odd, ...(many ?? [])],
    firstAuthorization: auth[0],
  }));

const body = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.constantFrom('{"service_id":"s-active"}', '{"service_id":', '0\r\n\r\n', 'ZZ\r\n{}\r\n0\r\n\r\n', 'FFFFFFFFFFFF\r\n{}', '5\r\n{"a":\r\n0\r\n\r\n') },
  { weight: 1, arbitrary: hostileString(200) },
  { weight: 1, arbitrary: fc.integer({ min: 16 * 1024, max: 100 * 1024 }).map((n) => `{"service_id":"${'a'.repeat(n)}"}`) },
);

const lineEnd = fc.oneof({ weight: 9, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\r', '\r\r\n') });

const ending = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Ending>('half-close') },
  { weight: 1, arbitrary: fc.constant<Ending>('keep-open') },
  { weight: 1, arbitrary: fc.constant<Ending>('drop') },
);

export const rawCase: fc.Arbitrary<RawCase> = fc
  .record({ method, target, version, headers, body, eol: lineEnd, ending, withLength: fc.boolean() })
  .map(({ method: verb, target: path, version: http, headers: { list, firstAuthorization }, body: payload, eol, ending: end, withLength }) => {
    const lines = list.map(([name, value]) => `${name}: ${value}`);
    if (withLength && payload !== '' && !list.some(([name]) => /^(content-length|transfer-encoding)$/i.test(name))) lines.push(`Content-Length: ${Buffer.byteLength(payload)}`);
    // The request line and body go out as UTF-8, as clients send them; header text as latin1
    // (one byte per character: what a header can carry).
    const bytes = Buffer.concat([
      Buffer.from(`${`${verb} ${path} ${http}`.trimEnd()}${eol}`, 'utf8'),
      Buffer.from(lines.map((line) => `${line}${eol}`).join('') + eol, 'latin1'),
      Buffer.from(payload, 'utf8'),
    ]);
    const text = `${verb} ${path.slice(0, 80)} ${http} | ${list.length} headers ${JSON.stringify(list.slice(0, 4)).slice(0, 200)} | body ${payload.length} | ${end}`;
    return { bytes, ending: end, firstAuthorization, summary: text };
  });
