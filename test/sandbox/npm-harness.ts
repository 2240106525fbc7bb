/**
 * Test harness for the NPM simulator: the API and the reverse proxy listening on 127.0.0.1:0,
 * a JSON client, a raw HTTP client (fetch cannot set Host), little upstream servers, and a
 * shape check of answers against the vendored schema, written independently of the
 * simulator's own validator so that a bug there cannot hide a bug in the answers.
 */
import { readFileSync } from 'node:fs';
import { createServer, request, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { createNpmSimulator, type NpmSimulator, type NpmSimulatorOptions } from '../../src/sandbox/npm/npm-simulator.js';

export const EMAIL = 'provisiond@example.com';
export const SECRET = 'correct horse battery staple';

export interface NpmHarness {
  readonly sim: NpmSimulator;
  readonly faults: Faults;
  readonly apiUrl: string;
  readonly proxyPort: number;
  /** A fresh token for the service user. */
  login(): Promise<string>;
  call(method: string, path: string, options?: { body?: unknown; token?: string | null; timeoutMs?: number }): Promise<JsonAnswer>;
  close(): Promise<void>;
}

export interface JsonAnswer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  readonly text: string;
}

export async function startNpm(options: Partial<NpmSimulatorOptions> = {}): Promise<NpmHarness> {
  const faults = options.faults ?? new Faults();
  const sim = createNpmSimulator({
    faults,
    latency: options.latency ?? new Latency(0),
    identity: options.identity ?? { email: EMAIL, secret: SECRET },
    ...(options.tokenTtlMs === undefined ? {} : { tokenTtlMs: options.tokenTtlMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.defaultSite === undefined ? {} : { defaultSite: options.defaultSite }),
  });
  const apiUrl = await sim.api.listen({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => sim.proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (sim.proxy.address() as AddressInfo).port;
  let token: string | null = null;
  const call: NpmHarness['call'] = async (method, path, { body, token: given, timeoutMs = 5000 } = {}) => {
    const auth = given === undefined ? token : given;
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(auth === null ? {} : { authorization: `Bearer ${auth}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: the test looks at `text`
    }
    return { status: response.status, body: parsed, text };
  };
  return {
    sim,
    faults,
    apiUrl,
    proxyPort,
    call,
    async login() {
      const answer = await call('POST', '/api/tokens', { body: { identity: EMAIL, secret: SECRET }, token: null });
      if (answer.status !== 200) throw new Error(`login failed: ${answer.text}`);
      token = answer.body.token as string;
      return token;
    },
    async close() {
      sim.proxy.closeAllConnections();
      await new Promise<void>((resolve) => sim.proxy.close(() => resolve()));
      await sim.api.close();
    },
  };
}

/** A small upstream web server on 127.0.0.1:0. */
export async function startUpstream(handler: RequestListener): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A request through the proxy with a chosen Host header. */
export function viaProxy(
  port: number,
  host: string,
  options: { method?: string; path?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: { ...options.headers, host }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(options.timeoutMs ?? 5000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(options.body);
  });
}

export function hostBody(domain: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { domain_names: [domain], forward_scheme: 'http', forward_host: '127.0.0.1', forward_port: port, ...extra };
}

type Schema = { readonly [keyword: string]: unknown };

const vendored = JSON.parse(
  readFileSync(new URL('../../src/sandbox/npm/schema.json', import.meta.url), 'utf8'),
) as { components: Record<string, Schema> };

/** Problems of `value` against a vendored component (`proxy-host-object`, …); empty if it fits. */
export function shapeProblems(component: string, value: unknown): string[] {
  const schema = vendored.components[component];
  if (schema === undefined) throw new Error(`no component ${component}`);
  return problems(schema, value, '$');
}

function problems(schema: Schema, value: unknown, at: string): string[] {
  const out: string[] = [];
  const types = schema['type'] === undefined ? [] : ([] as string[]).concat(schema['type'] as string | string[]);
  if (types.length > 0 && !types.some((type) => typeMatches(type, value))) return [`${at}: not ${types.join('|')}`];
  for (const key of ['oneOf', 'anyOf'] as const) {
    const branches = schema[key] as Schema[] | undefined;
    if (branches === undefined) continue;
    const fitting = branches.filter((branch) => problems(branch, value, at).length === 0).length;
    if (key === 'oneOf' ? fitting !== 1 : fitting === 0) out.push(`${at}: fits ${fitting} branches of ${key}`);
  }
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(value)) out.push(`${at}: not in enum`);
  if (typeof value === 'string' && typeof schema['pattern'] === 'string' && !new RegExp(schema['pattern'] as string, 'u').test(value)) {
    out.push(`${at}: does not match ${schema['pattern'] as string}`);
  }
  if (typeof value === 'number' && typeof schema['minimum'] === 'number' && value < (schema['minimum'] as number)) out.push(`${at}: below minimum`);
  if (Array.isArray(value) && schema['items'] !== undefined) {
    value.forEach((item, i) => out.push(...problems(schema['items'] as Schema, item, `${at}[${i}]`)));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (schema['properties'] ?? {}) as Record<string, Schema>;
    for (const name of (schema['required'] ?? []) as string[]) if (!(name in record)) out.push(`${at}.${name}: missing`);
    for (const [name, item] of Object.entries(record)) {
      const propertySchema = properties[name];
      if (propertySchema !== undefined) out.push(...problems(propertySchema, item, `${at}.${name}`));
      else if (schema['additionalProperties'] === false) out.push(`${at}.${name}: not allowed`);
    }
  }
  return out;
}

function typeMatches(type: string, value: unknown): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'null') return value === null;
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return typeof value === 'object' && value !== null && !Array.isArray(value);
  return typeof value === type;
}
