/**
 * Property strings (`name=eth0,bridge=vmbr1,ip=10.0.0.5/24`, `drbd:20`) as pve-common's
 * parse_property_string / print_property_string treat them: comma-separated `key=value`
 * pairs, one bare value allowed for the format's `default_key`, booleans spelled any way
 * parse_boolean accepts.
 */
import type { PveProperty } from './pve-schema.js';

export type PropertyFormat = Readonly<Record<string, PveProperty>>;
export type PropertyValues = Record<string, string>;

const TRUE = /^(?:1|true|yes|on)$/i;
const FALSE = /^(?:0|false|no|off)$/i;

function defaultKey(format: PropertyFormat): string | undefined {
  return Object.keys(format).find((key) => format[key]?.default_key === 1);
}

/** Split into key → raw value; throws the die text PVE gives for malformed strings. */
export function parsePropertyString(format: PropertyFormat, value: string): PropertyValues {
  const result: PropertyValues = {};
  const bareKey = defaultKey(format);
  for (const part of value.split(',')) {
    if (/^\s*$/.test(part)) continue;
    const pair = /^([^=]+)=(.+)$/.exec(part);
    if (pair !== null) {
      const [, key = '', raw = ''] = pair;
      if (result[key] !== undefined) throw new Error(`duplicate key in comma-separated list property: ${key}`);
      const isBoolean = format[key]?.type === 'boolean';
      result[key] = isBoolean && TRUE.test(raw) ? '1' : isBoolean && FALSE.test(raw) ? '0' : raw;
    } else if (!part.includes('=')) {
      if (bareKey === undefined) throw new Error('value without key, but schema does not define a default key');
      if (result[bareKey] !== undefined) throw new Error(`duplicate key in comma-separated list property: ${bareKey}`);
      result[bareKey] = part;
    } else {
      throw new Error('missing key in comma-separated list property');
    }
  }
  return result;
}

/**
 * Print the way PVE writes configs: the default key bare and first, then required keys,
 * then the rest in alphabetical order (`name=eth0,bridge=…,hwaddr=…,ip=…,type=veth`).
 */
export function printPropertyString(format: PropertyFormat, values: Readonly<Record<string, string | number | boolean>>): string {
  const bareKey = defaultKey(format);
  const keys = Object.keys(values).filter((k) => k !== bareKey);
  const required = keys.filter((k) => format[k] !== undefined && format[k]?.optional !== 1).sort();
  const optional = keys.filter((k) => !required.includes(k)).sort();
  const render = (v: string | number | boolean): string => (typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  const parts = [...required, ...optional].map((k) => `${k}=${render(values[k] ?? '')}`);
  const bare = bareKey === undefined ? undefined : values[bareKey];
  return (bare === undefined ? parts : [render(bare), ...parts]).join(',');
}
