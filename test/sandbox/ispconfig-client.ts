/**
 * Test helpers for the ISPConfig simulator: start it on a loopback port and call json.php the
 * way a real client does (method in the query string, JSON object body, HTTP always 200).
 */
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { createIspconfigSimulator, type IspconfigSimulatorOptions } from '../../src/sandbox/ispconfig/ispconfig-simulator.js';

export interface RpcResult {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  /** The parsed envelope, or undefined when the body is not JSON. */
  readonly json: { code: string; message: string; response: unknown } | undefined;
}

export const ZONE_PARAMS = {
  server_id: 1,
  origin: 'example.com.',
  ns: 'ns1.host.tld.',
  mbox: 'hostmaster.example.com.',
  serial: '2026082001',
  refresh: '7200',
  retry: '540',
  expire: '604800',
  minimum: '3600',
  ttl: '3600',
  active: 'y',
  xfer: '',
  also_notify: '',
  update_acl: '',
} as const;

export const txtParams = (zone: number, name = '_acme-challenge.example.com.', data = 'token-1') => ({
  server_id: 1, zone, name, type: 'txt', data, aux: '0', ttl: '60', active: 'y', stamp: '', serial: '',
});

export const aParams = (zone: number, name = 'example.com.', data = '203.0.113.10') => ({
  server_id: 1, zone, name, type: 'a', data, aux: '0', ttl: '3600', active: 'y', stamp: '', serial: '',
});

export async function startIspconfig(overrides: Partial<IspconfigSimulatorOptions> = {}) {
  const faults = overrides.faults ?? new Faults();
  const sim = createIspconfigSimulator({
    faults,
    latency: new Latency(0),
    users: [{ username: 'provisiond', password: 's3cret' }],
    ...overrides,
  });
  const base = await sim.app.listen({ port: 0, host: '127.0.0.1' });

  async function rawCall(query: string, body: string | undefined, init: RequestInit = {}): Promise<RpcResult> {
    const res = await fetch(`${base}/remote/json.php${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
      ...init,
    });
    const text = await res.text();
    let json: RpcResult['json'];
    try {
      json = JSON.parse(text) as RpcResult['json'];
    } catch {
      json = undefined;
    }
    return { status: res.status, contentType: res.headers.get('content-type'), text, json };
  }

  const call = (method: string, body: unknown, init?: RequestInit) => rawCall(`?${method}`, JSON.stringify(body), init);

  /** A call that must succeed: its `response`. */
  async function ok(method: string, body: unknown): Promise<unknown> {
    const result = await call(method, body);
    if (result.json?.code !== 'ok') throw new Error(`${method} failed: ${result.text}`);
    return result.json.response;
  }

  async function login(username = 'provisiond', password = 's3cret'): Promise<string> {
    return (await ok('login', { username, password })) as string;
  }

  return { sim, faults, base, rawCall, call, ok, login, close: () => sim.app.close() };
}
