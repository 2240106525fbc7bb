/**
 * The vendored request and response schemas (schema.json, copied from NPM v2.15.1's own
 * backend/schema with every $ref inlined). Read once from beside this file so that the sandbox
 * never reaches outside the repository at runtime.
 */
import { readFileSync } from 'node:fs';
import type { JsonSchema } from './json-schema-check.js';

export type RequestBodyKey =
  | 'POST /tokens'
  | 'POST /nginx/proxy-hosts'
  | 'PUT /nginx/proxy-hosts/{hostID}'
  | 'POST /nginx/certificates';

export type ComponentKey = 'token-object' | 'proxy-host-object' | 'certificate-object' | 'error';

interface VendoredSchema {
  readonly requestBodies: Readonly<Record<RequestBodyKey, JsonSchema>>;
  readonly components: Readonly<Record<ComponentKey, JsonSchema>>;
}

let cached: VendoredSchema | undefined;

export function npmSchema(): VendoredSchema {
  cached ??= JSON.parse(readFileSync(new URL('./schema.json', import.meta.url), 'utf8')) as VendoredSchema;
  return cached;
}

export function requestBodySchema(key: RequestBodyKey): JsonSchema {
  return npmSchema().requestBodies[key];
}
