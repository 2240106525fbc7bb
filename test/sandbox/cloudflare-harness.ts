/**
 * Shared by the Cloudflare simulator tests: a listening simulator on 127.0.0.1, a small HTTP
 * helper, and a shape check of bodies against the vendored OpenAPI subset (enough JSON Schema
 * for what that subset uses: $ref, allOf/oneOf/anyOf, types, enums, required, formats).
 */
import assert from 'node:assert/strict';
import { isIPv4, isIPv6 } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createCloudflareSimulator, type CloudflareSimulatorOptions } from '../../src/sandbox/cloudflare/cloudflare.simulator.js';
import { cloudflareSchema } from '../../src/sandbox/cloudflare/cloudflare.schema.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';

/** Real API tokens are 40 characters; so are these. */
export const TOKEN = 'sandboxTokenForTests_0123456789abcdefghi';
export const ZONE = { id: '023e105f4ecef8ad9ca31a8372d0c353', name: 'example.com' } as const;
export const OTHER_ZONE = { id: '99999999999999999999999999999999', name: 'example.org' } as const;

export interface Harness {
  readonly base: string;
  readonly faults: Faults;
  close(): Promise<void>;
}

export async function startCloudflare(options: Partial<CloudflareSimulatorOptions> = {}): Promise<Harness> {
  const faults = options.faults ?? new Faults();
  const app = createCloudflareSimulator({
    faults,
    latency: options.latency ?? new Latency(0),
    tokens: options.tokens ?? [TOKEN],
    zones: options.zones ?? [ZONE, OTHER_ZONE],
    ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
    ...(options.now !== undefined && { now: options.now }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/client/v4`, faults, close: () => app.close() };
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

export async function call(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string | null; signal?: AbortSignal } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${base}${path}`, { method: init.method ?? 'GET', headers, body, signal: init.signal ?? AbortSignal.timeout(5000) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

export const recordsPath = (zoneId: string = ZONE.id): string => `/zones/${zoneId}/dns_records`;

export async function createRecord(base: string, record: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await call(base, recordsPath(), { method: 'POST', body: record });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.result as Record<string, unknown>;
}

export function errorCodes(answer: Answer): number[] {
  return (answer.body.errors as { code: number }[]).map((e) => e.code);
}

// ---------------------------------------------------------------- shape check

type Schema = Record<string, unknown>;
const root = cloudflareSchema as unknown as Schema;

function resolve(ref: string): Schema {
  const target = ref
    .replace(/^#\//, '')
    .split('/')
    .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root);
  assert.ok(target !== undefined, `unresolved $ref ${ref}`);
  return target as Schema;
}

/**
 * `comment: null` is what records without a comment carry in real 2025 responses (several
 * published raw responses), though the 2024 spec types it as a plain string.
 */
const OBSERVED_NULLABLE = new Set(['comment']);

function check(value: unknown, schema: Schema, path: string, errors: string[], key = ''): void {
  if (typeof schema.$ref === 'string') return check(value, resolve(schema.$ref), path, errors, key);
  if (value === null && (schema.nullable === true || OBSERVED_NULLABLE.has(key))) return;
  for (const part of (schema.allOf as Schema[] | undefined) ?? []) check(value, part, path, errors, key);
  const branches = (list: Schema[]): number =>
    list.filter((branch) => {
      const sub: string[] = [];
      check(value, branch, path, sub, key);
      return sub.length === 0;
    }).length;
  if (Array.isArray(schema.oneOf) && branches(schema.oneOf as Schema[]) !== 1) errors.push(`${path}: not exactly one of oneOf`);
  if (Array.isArray(schema.anyOf) && branches(schema.anyOf as Schema[]) === 0) errors.push(`${path}: none of anyOf`);
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => allowed === value)) errors.push(`${path}: ${JSON.stringify(value)} not in enum`);
  const type = schema.type;
  if (type === 'object' || schema.properties !== undefined || schema.required !== undefined) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (type === 'object' || value !== undefined) errors.push(`${path}: expected an object`);
      return;
    }
    const object = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) if (object[name] === undefined) errors.push(`${path}.${name}: required`);
    for (const [name, sub] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (object[name] !== undefined) check(object[name], sub, `${path}.${name}`, errors, name);
    }
  } else if (type === 'array') {
    if (!Array.isArray(value)) return void errors.push(`${path}: expected an array`);
    value.forEach((item, index) => check(item, (schema.items as Schema | undefined) ?? {}, `${path}[${index}]`, errors));
  } else if (type === 'string') {
    if (typeof value !== 'string') return void errors.push(`${path}: expected a string`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errors.push(`${path}: longer than ${schema.maxLength}`);
    if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) errors.push(`${path}: not a date-time`);
    if (schema.format === 'ipv4' && !isIPv4(value)) errors.push(`${path}: not IPv4`);
    if (schema.format === 'ipv6' && !isIPv6(value)) errors.push(`${path}: not IPv6`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) errors.push(`${path}: does not match ${schema.pattern}`);
  } else if (type === 'number' || type === 'integer') {
    if (typeof value !== 'number' || (type === 'integer' && !Number.isInteger(value))) return void errors.push(`${path}: expected a ${type}`);
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  } else if (type === 'boolean' && typeof value !== 'boolean') {
    errors.push(`${path}: expected a boolean`);
  }
}

/** Assert `value` fits the schema at `ref` (e.g. `#/components/schemas/dns-records_dns_response_single`). */
export function assertShape(value: unknown, ref: string): void {
  const errors: string[] = [];
  check(value, { $ref: ref }, '$', errors);
  assert.deepEqual(errors, [], `response does not fit ${ref}:\n${JSON.stringify(value, null, 1)}`);
}

export const SHAPES = {
  recordSingle: '#/components/schemas/dns-records_dns_response_single',
  recordCollection: '#/components/schemas/dns-records_dns_response_collection',
  failure: '#/components/schemas/dns-records_api-response-common-failure',
  zonesFailure: '#/components/schemas/zones_api-response-common-failure',
  /** Current envelope (common.yaml): result_info with total_pages. */
  collection: '#/x-common/api-response-collection',
  zonesList: '#/paths/~1zones/get/responses/200/content/application~1json/schema',
  singleId: '#/x-common/api-response-single-id',
  deleted: '#/paths/~1zones~1{zone_id}~1dns_records~1{dns_record_id}/delete/responses/200/content/application~1json/schema',
} as const;

/** Envelope + record shape, and the facts the schema cannot say (ids, FQDN, timestamps). */
export function assertRecordAnswer(body: Record<string, unknown>): void {
  assertShape(body, SHAPES.recordSingle);
  const record = body.result as Record<string, unknown>;
  assert.match(String(record.id), /^[0-9a-f]{32}$/);
  assert.equal(new Date(String(record.created_on)).toISOString(), record.created_on);
  assert.equal(new Date(String(record.modified_on)).toISOString(), record.modified_on);
}
