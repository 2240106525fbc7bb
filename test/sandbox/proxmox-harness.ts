/**
 * Test harness for the Proxmox simulator: a listening instance on 127.0.0.1, a small client
 * that speaks form or JSON like real clients do, task polling, and a shape check of response
 * data against the `returns` of the vendored schema.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { World } from '../../src/sandbox/core/world.js';
import { createProxmoxSimulator, type ProxmoxSimulatorOptions } from '../../src/sandbox/proxmox/proxmox-simulator.js';

export const TOKEN_ID = 'provisiond@pve!daemon';
export const TOKEN_SECRET = '5f1c0e2a-8d1b-4c6e-9a7f-3b2d1e0f9a8c';
export const AUTH = `PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`;
export const TEMPLATE = 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst';

export interface Reply {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body (undefined for an empty body). */
  readonly body: { data?: unknown; errors?: Record<string, string>; message?: string; total?: number } | undefined;
}

export interface CallOptions {
  /** Sent form-encoded unless `json` is set. */
  readonly body?: Record<string, string | number | boolean>;
  readonly json?: boolean;
  readonly query?: Record<string, string | number>;
  readonly auth?: string | null;
  readonly timeoutMs?: number;
}

export interface Sandbox {
  readonly url: string;
  readonly world: World;
  readonly faults: Faults;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Call and insist on 200, returning `data`. */
  ok(method: string, path: string, options?: CallOptions): Promise<unknown>;
  /** Poll a task until it stops; returns its status object. */
  waitTask(upid: string): Promise<{ status: string; exitstatus?: string; type: string; id: string; user: string }>;
  close(): Promise<void>;
}

export async function startProxmox(overrides: Partial<ProxmoxSimulatorOptions> = {}): Promise<Sandbox> {
  const world = overrides.world ?? new World();
  const faults = overrides.faults ?? new Faults();
  const app = createProxmoxSimulator({
    world, faults, latency: new Latency(0), tokens: [{ id: TOKEN_ID, secret: TOKEN_SECRET }], unauthorizedDelayMs: 0, ...overrides,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  const call = async (method: string, path: string, options: CallOptions = {}): Promise<Reply> => {
    const query = options.query === undefined ? '' : `?${new URLSearchParams(Object.entries(options.query).map(([k, v]): [string, string] => [k, String(v)]))}`;
    const headers: Record<string, string> = {};
    if (options.auth !== null) headers.authorization = options.auth ?? AUTH;
    let body: string | undefined;
    if (options.body !== undefined) {
      if (options.json === true) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      } else {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(Object.entries(options.body).map(([k, v]): [string, string] => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)])).toString();
      }
    }
    const response = await fetch(`${url}/api2/json${path}${query}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
    const text = await response.text();
    return { status: response.status, statusText: response.statusText, headers: response.headers, text, body: text === '' ? undefined : JSON.parse(text) };
  };

  const ok = async (method: string, path: string, options?: CallOptions): Promise<unknown> => {
    const reply = await call(method, path, options);
    assert.equal(reply.status, 200, `${method} ${path}: ${reply.status} ${reply.text}`);
    assert.ok(reply.body !== undefined && 'data' in reply.body);
    return reply.body.data;
  };

  const waitTask: Sandbox['waitTask'] = async (upid) => {
    const node = upid.split(':')[1] ?? '';
    for (let i = 0; i < 500; i++) {
      const status = (await ok('GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`)) as { status: string; exitstatus?: string; type: string; id: string; user: string };
      if (status.status === 'stopped') return status;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`task ${upid} never stopped`);
  };

  return { url, world, faults, call, ok, waitTask, close: () => app.close() };
}

/** Wait until `check` holds (polling), or fail after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition never became true');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---------------------------------------------------------------- shape check against `returns`

interface Schema {
  readonly type?: string;
  readonly optional?: number;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly items?: Schema;
  readonly enum?: readonly string[];
}

const vendored = JSON.parse(readFileSync(new URL('../../src/sandbox/proxmox/schema.json', import.meta.url), 'utf8')) as {
  endpoints: { method: string; path: string; returns?: Schema }[];
};

function checkShape(schema: Schema, value: unknown, where: string): void {
  const type = schema.type;
  if (type === undefined) return;
  switch (type) {
    case 'null':
      assert.equal(value, null, `${where}: expected null`);
      return;
    case 'string':
      assert.equal(typeof value, 'string', `${where}: expected a string, got ${JSON.stringify(value)}`);
      if (schema.enum !== undefined) assert.ok(schema.enum.includes(value as string), `${where}: ${String(value)} not in enum`);
      return;
    case 'integer':
      // PVE's own verifier accepts numeric strings (Perl scalars are both).
      assert.ok(Number.isInteger(typeof value === 'string' ? Number(value) : value), `${where}: expected an integer, got ${JSON.stringify(value)}`);
      return;
    case 'number':
      assert.equal(typeof value, 'number', `${where}: expected a number`);
      return;
    case 'boolean':
      assert.ok(value === true || value === false || value === 0 || value === 1, `${where}: expected a boolean, got ${JSON.stringify(value)}`);
      return;
    case 'array':
      assert.ok(Array.isArray(value), `${where}: expected an array`);
      if (schema.items !== undefined) (value as unknown[]).forEach((item, i) => checkShape(schema.items as Schema, item, `${where}[${i}]`));
      return;
    case 'object': {
      assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where}: expected an object`);
      const record = value as Record<string, unknown>;
      for (const [key, sub] of Object.entries(schema.properties ?? {})) {
        if (record[key] === undefined) {
          assert.ok(sub.optional === 1, `${where}.${key}: required by the schema but missing`);
          continue;
        }
        checkShape(sub, record[key], `${where}.${key}`);
      }
      return;
    }
    default:
      return;
  }
}

/** Assert that `data` fits the vendored schema's `returns` for (method, path). */
export function assertShape(method: string, path: string, data: unknown): void {
  const entry = vendored.endpoints.find((e) => e.method === method && e.path === path);
  assert.ok(entry !== undefined, `no schema entry for ${method} ${path}`);
  if (entry.returns !== undefined) checkShape(entry.returns, data, `${method} ${path}`);
}
