/**
 * Hostile input for the WebSocket feed: upgrade requests (the token in a header, `?token=` or a
 * subprotocol, right or wrong, several at once; odd `since`, `service_id` and `logs`; broken
 * handshake headers) with the answer README and src/server/feed.ts promise for each; and
 * sequences of client frames with the close code RFC 6455 demands, if any.
 */
import fc from 'fast-check';
import { TOKEN } from '../server/harness.js';
import { isBearerFor, isServiceIdText } from './documented-rules.js';
import { SEEDED_IDS } from './fuzz-app.js';
import { hostileString, wellFormed } from './hostile-strings.js';
import { closePayload, encodeFrame, OPCODE, type FrameSpec } from './ws-frames.js';

// --- the upgrade request --------------------------------------------------------------------

export type UpgradeVerdict = { readonly status: 101; readonly since?: number; readonly serviceId: string | null } | { readonly status: 400 | 401 | 404; readonly field?: string };

export interface UpgradeCase {
  readonly bytes: Buffer;
  readonly verdict: UpgradeVerdict;
  readonly summary: string;
}

/** Header values the HTTP parser accepts: printable latin1, no CR, LF or NUL. */
const headerSafe = (text: string): string => Array.from(wellFormed(text), (char) => (/^[\x20-\x7e\xa0-\xff]$/.test(char) ? char : '?')).join('');

const absentOr = <T>(present: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(present, { freq: 2, nil: undefined });

const queryValue = (valid: fc.Arbitrary<string>, hostile: readonly string[]): fc.Arbitrary<string | undefined> =>
  absentOr(fc.oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...hostile) }, { weight: 1, arbitrary: hostileString(30, false) }));

const tchar = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const upgradeParts = fc.record({
  path: fc.oneof({ weight: 8, arbitrary: fc.constant('/v1/events') }, { weight: 1, arbitrary: fc.constantFrom('/v1/events/', '/v1/Events', '/v1/x/../events', '/v1/events%2f', '/v1/services', '/', '/v1/events/x') }),
  header: absentOr(fc.oneof({ weight: 3, arbitrary: fc.constant(`Bearer ${TOKEN}`) }, { weight: 1, arbitrary: fc.constantFrom('Bearer wrong', `Bearer ${TOKEN}x`, 'Bearer', '', `Basic ${TOKEN}`) }, { weight: 1, arbitrary: hostileString(40, false).map(headerSafe) })),
  token: absentOr(fc.oneof({ weight: 3, arbitrary: fc.constant(TOKEN) }, { weight: 1, arbitrary: fc.constantFrom('', 'wrong', `${TOKEN} `, TOKEN.toUpperCase(), `${TOKEN}\u0000`) }, { weight: 1, arbitrary: hostileString(40, false) })),
  secondToken: fc.option(fc.constantFrom(TOKEN, 'wrong'), { freq: 6, nil: undefined }),
  protocols: absentOr(
    fc.array(fc.oneof(fc.constantFrom('provisiond.v1', `bearer.${TOKEN}`, 'bearer.wrong', 'bearer.', 'chat', `bearer.${TOKEN}`), hostileString(12, false).map((text) => `bearer.${headerSafe(text).replace(/,/g, '')}`)), { minLength: 1, maxLength: 4 }),
  ),
  since: queryValue(fc.oneof(fc.nat({ max: 200 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })).map(String), ['-1', 'abc', '1e3', '1.0', ' 1', '', '99999999999999999', '9007199254740993', '\u0663', '0x10']),
  serviceId: queryValue(fc.oneof(fc.constantFrom(...SEEDED_IDS), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)), ['', '-x', 'a b', 'a'.repeat(65), '../x', 's-active\n']),
  logs: queryValue(fc.constantFrom('true', '1', 'false', '0'), ['TRUE', 'yes', '', 'true ', '2', 'on']),
  key: fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('base64')) },
    { weight: 1, arbitrary: fc.constantFrom('', 'abc', Buffer.alloc(15, 1).toString('base64'), Buffer.alloc(17, 1).toString('base64'), '!!!!!!!!!!!!!!!!!!!!!!==') },
  ),
  version: fc.oneof({ weight: 8, arbitrary: fc.constant('13') }, { weight: 1, arbitrary: fc.constantFrom('8', '', '13, 8', '14', 'x') }),
});

type UpgradeParts = typeof upgradeParts extends fc.Arbitrary<infer T> ? T : never;

/** What feed.ts must answer, derived from README's feed section and feed.ts's header comment. */
function verdictOf(parts: UpgradeParts): UpgradeVerdict {
  const { key } = parts;
  const query = new URLSearchParams();
  if (parts.token !== undefined) query.append('token', wellFormed(parts.token));
  if (parts.secondToken !== undefined) query.append('token', parts.secondToken);
  // The token: the first place that holds one decides (header, then query, then subprotocol).
  // Subprotocols as the server reads the header: blanks around each entry do not count.
  const offered = (parts.protocols ?? []).map((entry) => entry.trim());
  const fromProtocol = offered.find((entry) => entry.startsWith('bearer.'))?.slice('bearer.'.length);
  const fromQuery = query.get('token');
  const authorized = parts.header !== undefined ? isBearerFor(TOKEN, parts.header) : fromQuery !== null ? fromQuery === TOKEN : fromProtocol === TOKEN;
  if (!authorized) return { status: 401 };
  if (new URL(parts.path, 'http://feed.invalid').pathname !== '/v1/events') return { status: 404 };
  const logs = parts.logs === undefined ? undefined : wellFormed(parts.logs);
  if (logs !== undefined && !['true', '1', 'false', '0'].includes(logs)) return { status: 400, field: 'logs' };
  const since = parts.since === undefined ? undefined : wellFormed(parts.since);
  if (since !== undefined && !(/^[0-9]{1,16}$/.test(since) && Number.isSafeInteger(Number(since)))) return { status: 400, field: 'since' };
  const serviceId = parts.serviceId === undefined ? undefined : wellFormed(parts.serviceId);
  if (serviceId !== undefined && !isServiceIdText(serviceId)) return { status: 400, field: 'service_id' };
  // ws's own handshake checks: a 16-byte base64 key, version 13 (or hybi-08's 8, which ws
  // still speaks), well-formed distinct subprotocols.
  const protocolsOk = offered.every((entry) => tchar.test(entry)) && new Set(offered).size === offered.length;
  if (!/^[+/0-9A-Za-z]{22}==$/.test(key) || !['13', '8'].includes(parts.version) || !protocolsOk) return { status: 400 };
  return { status: 101, ...(since === undefined ? {} : { since: Number(since) }), serviceId: serviceId ?? null };
}

export const upgradeCase: fc.Arbitrary<UpgradeCase> = upgradeParts.map((parts) => {
  const { key } = parts;
  const pairs: string[] = [];
  if (parts.token !== undefined) pairs.push(`token=${encodeURIComponent(wellFormed(parts.token))}`);
  if (parts.secondToken !== undefined) pairs.push(`token=${parts.secondToken}`);
  for (const [name, value] of [['since', parts.since], ['service_id', parts.serviceId], ['logs', parts.logs]] as const) {
    if (value !== undefined) pairs.push(`${name}=${encodeURIComponent(wellFormed(value))}`);
  }
  const target = `${parts.path}${pairs.length === 0 ? '' : `?${pairs.join('&')}`}`;
  const headers = [
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    ...(key === '' ? [] : [`Sec-WebSocket-Key: ${key}`]),
    ...(parts.version === '' ? [] : [`Sec-WebSocket-Version: ${parts.version}`]),
    ...(parts.header === undefined ? [] : [`Authorization: ${parts.header}`]),
    ...(parts.protocols === undefined ? [] : [`Sec-WebSocket-Protocol: ${parts.protocols.join(', ')}`]),
  ];
  const bytes = Buffer.from(`GET ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  return { bytes, verdict: verdictOf(parts), summary: `GET ${target.slice(0, 200)} ${JSON.stringify(headers.slice(3))}` };
});

// --- frames after the handshake -----------------------------------------------------------

/** What the server must do about a frame sequence: close with one of these codes, or keep listening. */
export type FrameVerdict = { readonly kind: 'close'; readonly codes: readonly number[] } | { readonly kind: 'ignore' } | { readonly kind: 'unknown' };

export interface FrameCase {
  readonly specs: readonly (FrameSpec | Buffer)[];
  readonly ending: 'stay' | 'half-close' | 'destroy';
  readonly verdict: FrameVerdict;
  readonly summary: string;
}

const MAX_PAYLOAD = 4096;
const isValidCloseCode = (code: number): boolean => (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999);
const isUtf8 = (bytes: Buffer): boolean => {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
};

const invalidUtf8 = fc.constantFrom(Buffer.from([0xff]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]), Buffer.from('ok\xc0\xaf', 'latin1'));
const textPayload = fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }).map((text) => Buffer.from(text, 'utf8')), invalidUtf8, fc.integer({ min: 4_000, max: 10_000 }).map((n) => Buffer.alloc(n, 0x61)));

const frameSpec: fc.Arbitrary<FrameSpec | Buffer> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ opcode: fc.constant<number>(OPCODE.text), payload: textPayload }) },
  { weight: 2, arbitrary: fc.record({ opcode: fc.constant<number>(OPCODE.binary), payload: fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)) }) },
  { weight: 1, arbitrary: fc.record({ opcode: fc.constantFrom<number>(OPCODE.ping, OPCODE.pong), payload: fc.uint8Array({ maxLength: 140 }).map((bytes) => Buffer.from(bytes)) }) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.integer({ min: 0, max: 70_000 }).map((code) => ({ opcode: OPCODE.close, payload: closePayload(code, 'bye') })),
      fc.constantFrom<FrameSpec>({ opcode: OPCODE.close, payload: Buffer.alloc(0) }, { opcode: OPCODE.close, payload: Buffer.from([0x03]) }, { opcode: OPCODE.close, payload: Buffer.concat([closePayload(1000), Buffer.from([0xff])]) }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      opcode: fc.integer({ min: 0, max: 15 }),
      payload: fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fin: fc.boolean(),
      rsv: fc.integer({ min: 0, max: 7 }),
      masked: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ opcode: fc.constantFrom<number>(OPCODE.text, OPCODE.binary, OPCODE.ping), payload: fc.constant(Buffer.from('x')), declaredLength: fc.constantFrom(126n, 5_000n, 70_000n, 2n ** 53n, 2n ** 63n) }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
);

/** Walks the frames as RFC 6455 (and ws's 4 KiB maxPayload) would, up to the first violation. */
function frameVerdict(specs: readonly (FrameSpec | Buffer)[]): FrameVerdict {
  // The message being assembled from fragments: its type (text or binary) and its bytes.
  let message: { type: number; parts: Buffer[] } | undefined;
  let total = 0;
  for (const spec of specs) {
    if (Buffer.isBuffer(spec)) return { kind: 'unknown' };
    const { opcode, payload, fin = true, rsv = 0, masked = true } = spec;
    const length = Number(spec.declaredLength ?? BigInt(payload.length));
    const control = opcode >= 8;
    const codes: number[] = [];
    if (rsv !== 0 || ![0, 1, 2, 8, 9, 10].includes(opcode) || !masked) codes.push(1002);
    if (control && (!fin || length > 125 || (opcode === OPCODE.close && length === 1))) codes.push(1002);
    if (opcode === 0 && message === undefined) codes.push(1002);
    if ((opcode === 1 || opcode === 2) && message !== undefined) codes.push(1002);
    if (!control && length > 0 && total + length > MAX_PAYLOAD) codes.push(1009);
    if (length > Number.MAX_SAFE_INTEGER) codes.push(1009);
    if (codes.length > 0) return { kind: 'close', codes };
    // A length that does not match the bytes sent leaves the rest of the stream unframeable.
    if (spec.declaredLength !== undefined && length !== payload.length) return { kind: 'unknown' };
    if (opcode === OPCODE.close) {
      if (payload.length === 0) return { kind: 'close', codes: [] };
      const code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) return { kind: 'close', codes: [1002] };
      if (!isUtf8(payload.subarray(2))) return { kind: 'close', codes: [1007] };
      // A valid close is answered with the same code.
      return { kind: 'close', codes: [code] };
    }
    if (control) continue;
    total += length;
    message ??= { type: opcode, parts: [] };
    message.parts.push(payload);
    if (!fin) continue;
    // A text message is checked for UTF-8 as a whole, once its last fragment is in.
    if (message.type === OPCODE.text && !isUtf8(Buffer.concat(message.parts))) return { kind: 'close', codes: [1007] };
    message = undefined;
    total = 0;
  }
  return { kind: 'ignore' };
}

export const frameCase: fc.Arbitrary<FrameCase> = fc
  .record({
    specs: fc.array(frameSpec, { minLength: 1, maxLength: 5 }),
    ending: fc.oneof({ weight: 3, arbitrary: fc.constant<'stay'>('stay') }, { weight: 1, arbitrary: fc.constantFrom<'half-close' | 'destroy'>('half-close', 'destroy') }),
  })
  .map(({ specs, ending }) => ({
    specs,
    ending,
    verdict: frameVerdict(specs),
    summary: JSON.stringify(specs.map((spec) => (Buffer.isBuffer(spec) ? `raw:${spec.toString('hex').slice(0, 40)}` : { ...spec, payload: spec.payload.length, declaredLength: spec.declaredLength?.toString() }))) + ` ${ending}`,
  }));

export function frameBytes(spec: FrameSpec | Buffer): Buffer {
  return Buffer.isBuffer(spec) ? spec : encodeFrame(spec);
}
