/**
 * Shared by the Cloudflare effect tests: the sandbox's Cloudflare simulator on loopback, and raw
 * HTTP helpers that play "someone else" (or our own crashed earlier run) by writing records
 * directly, without going through the effects.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createCloudflareSimulator } from '../../src/sandbox/cloudflare/cloudflare.simulator.js';
import type { RateLimit } from '../../src/sandbox/cloudflare/rate-limiter.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';

/** Real API tokens are 40 characters; the simulator checks the format. */
export const TOKEN = 'effectsTestToken_0123456789abcdefghijklm';
export const ZONE = { id: '5f1c0ffee0ddba11c0ffee0ddba11abc', name: 'example.com' } as const;

// The SDK reads these at construction; the effects pass explicit nulls, but nothing here should
// depend on the developer's shell either way.
delete process.env.CLOUDFLARE_API_TOKEN;
delete process.env.CLOUDFLARE_API_KEY;
delete process.env.CLOUDFLARE_EMAIL;
delete process.env.CLOUDFLARE_BASE_URL;
delete process.env.CLOUDFLARE_API_USER_SERVICE_KEY;
delete process.env.CLOUDFLARE_CUSTOM_HEADERS;

export interface CloudflareHarness {
  readonly baseUrl: string;
  readonly faults: Faults;
  /** Calls the simulator received for one operation (e.g. `cloudflare.dns_records.create`). */
  calls(op: string): number;
  maxInFlight(op: string): number;
  inFlight(op: string): number;
  close(): Promise<void>;
}

export async function startCloudflare(options: { timeScale?: number; rateLimit?: RateLimit } = {}): Promise<CloudflareHarness> {
  const faults = new Faults();
  const app = createCloudflareSimulator({
    faults,
    latency: new Latency(options.timeScale ?? 0),
    tokens: [TOKEN],
    zones: [ZONE],
    ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const counter = (op: string) => faults.counts()[op];
  return {
    baseUrl: `http://127.0.0.1:${port}/client/v4`,
    faults,
    calls: (op) => counter(op)?.calls ?? 0,
    maxInFlight: (op) => counter(op)?.maxInFlight ?? 0,
    inFlight: (op) => counter(op)?.inFlight ?? 0,
    close: async () => {
      // A `timeout` fault leaves a socket open that no one will answer.
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

export interface StoredRecord {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly ttl: number;
  readonly proxied: boolean;
  readonly comment: string | null;
}

async function raw(baseUrl: string, path: string, method = 'GET', body?: unknown): Promise<{ status: number; body: { result: unknown; errors: { code: number }[] } }> {
  const response = await fetch(`${baseUrl}/zones/${ZONE.id}/dns_records${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: (await response.json()) as { result: unknown; errors: { code: number }[] } };
}

/** Create a record directly, as a human in the dashboard or a crashed earlier run would have. */
export async function putRecord(baseUrl: string, record: Record<string, unknown>): Promise<StoredRecord> {
  const answer = await raw(baseUrl, '', 'POST', { ttl: 300, proxied: false, ...record });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.result as StoredRecord;
}

/** Every record of the zone, read directly. */
export async function allRecords(baseUrl: string): Promise<StoredRecord[]> {
  const answer = await raw(baseUrl, '?per_page=5000');
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.result as StoredRecord[];
}

/** A signal that never fires, for calls that are not about cancellation. */
export const never = (): AbortSignal => new AbortController().signal;
