/**
 * The vendored subset of the PVE 9 API schema (`schema.json` beside this file, extracted
 * verbatim from pve-docs' apidata.js): parameter definitions drive request validation, and
 * `returns` lets tests check response shapes. Read once at load; the daemon never reads
 * ../shared at runtime.
 */
import { readFileSync } from 'node:fs';

/** One JSON-schema property as PVE writes it (`optional: 1`, `format` string or sub-keys…). */
export interface PveProperty {
  readonly type?: string;
  readonly optional?: number | boolean;
  readonly default?: unknown;
  readonly enum?: readonly string[];
  readonly minimum?: number | string;
  readonly maximum?: number | string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  /** A named verifier (`pve-vmid`) or, for property strings, the sub-keys. */
  readonly format?: string | Readonly<Record<string, PveProperty>>;
  readonly default_key?: number;
  readonly requires?: string;
  readonly properties?: Readonly<Record<string, PveProperty>>;
  readonly items?: PveProperty;
  readonly additionalProperties?: number | boolean;
  readonly 'instance-types'?: readonly string[];
}

export interface PveEndpoint {
  readonly path: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly name: string;
  readonly allowtoken?: number;
  readonly proxyto?: string;
  readonly parameters: PveProperty;
  readonly returns?: PveProperty;
}

interface SchemaFile {
  readonly endpoints: readonly PveEndpoint[];
}

const file = JSON.parse(readFileSync(new URL('./schema.json', import.meta.url), 'utf8')) as SchemaFile;

const byKey = new Map(file.endpoints.map((e) => [`${e.method} ${e.path}`, e]));

/** The schema entry for a served (method, path); a typo in the route table fails at startup. */
export function endpoint(method: string, path: string): PveEndpoint {
  const found = byKey.get(`${method} ${path}`);
  if (found === undefined) throw new Error(`no vendored schema for ${method} ${path}`);
  return found;
}

export function allEndpoints(): readonly PveEndpoint[] {
  return file.endpoints;
}

export function isOptional(prop: PveProperty): boolean {
  return prop.optional === 1 || prop.optional === true;
}

/**
 * The property that describes `name`, resolving indexed families (`net[n]` for `net0`…`net31`).
 * The limits are pve-container's: 32 network devices, 256 mount points, unused volumes and devices.
 */
export function propertyFor(schema: PveProperty, name: string): PveProperty | undefined {
  const props = schema.properties ?? {};
  const direct = props[name];
  if (direct !== undefined) return direct;
  const indexed = /^([a-z]+)(\d+)$/.exec(name);
  if (indexed === null) return undefined;
  const [, family = '', digits = ''] = indexed;
  const limit = INDEX_LIMITS[family];
  if (limit === undefined || String(Number(digits)) !== digits || Number(digits) >= limit) return undefined;
  return props[`${family}[n]`];
}

const INDEX_LIMITS: Readonly<Record<string, number>> = { net: 32, mp: 256, unused: 256, dev: 256 };
