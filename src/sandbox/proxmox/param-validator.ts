/**
 * Request validation as pve-common's JSONSchema.pm `validate` does it: unknown and missing
 * parameters, types (form booleans are 1/0 only; JSON true/false pass), enums, ranges,
 * lengths, anchored patterns, named formats and property strings. Every problem becomes one
 * entry of `errors` in a 400 `Parameter verification failed.`; the valid result is typed.
 */
import { paramError } from './pve-errors.js';
import { verifyFormat } from './pve-formats.js';
import { isOptional, propertyFor, type PveProperty } from './pve-schema.js';
import { parsePropertyString, type PropertyFormat } from './property-string.js';

export type ParamValue = string | number | boolean;
export type Params = Record<string, ParamValue>;

export const NOT_IN_SCHEMA = 'property is not defined in schema and the schema does not allow additional properties';
export const MISSING_PROPERTY = 'property is missing and it is not optional';

/** Perl patterns in the schema use `(?^:…)` groups; JavaScript knows them as `(?:…)`. */
function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.replaceAll('(?^:', '(?:')})$`);
}

function display(value: unknown): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** check_type: the typed value, or an error text. */
function checkType(prop: PveProperty, value: unknown): { value: ParamValue } | { error: string } {
  const type = prop.type ?? 'string';
  const failed = { error: `type check ('${type}') failed - got '${display(value)}'` };
  switch (type) {
    case 'boolean':
      if (typeof value === 'boolean') return { value };
      if (value === 1 || value === '1') return { value: true };
      if (value === 0 || value === '0') return { value: false };
      return failed;
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return { value };
      if (typeof value === 'string' && /^[+-]?\d+$/.test(value)) return { value: Number(value) };
      return failed;
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value)) return { value };
      if (typeof value === 'string' && /^[+-]?(?:\d+\.\d*|\d*\.\d+|\d+)(?:[eE][+-]?\d+)?$/.test(value)) return { value: Number(value) };
      return failed;
    default:
      if (typeof value === 'string') return { value };
      if (typeof value === 'number' || typeof value === 'boolean') return { value: typeof value === 'boolean' ? (value ? '1' : '0') : String(value) };
      return failed;
  }
}

/** check_prop for one value; `path` names it in nested (property-string) messages. */
export function checkValue(prop: PveProperty, raw: unknown, path: string): { value: ParamValue } | { error: string } {
  const typed = checkType(prop, raw);
  if ('error' in typed) return typed;
  const value = typed.value;
  if (typeof value === 'string') {
    if (prop.enum !== undefined && !prop.enum.includes(value)) {
      return { error: `value '${value}' does not have a value in the enumeration '${prop.enum.join(', ')}'` };
    }
    if (prop.maxLength !== undefined && value.length > prop.maxLength) return { error: `value may only be ${prop.maxLength} characters long` };
    if (prop.minLength !== undefined && value.length < prop.minLength) return { error: `value must be at least ${prop.minLength} characters long` };
    if (prop.pattern !== undefined && !anchored(prop.pattern).test(value)) return { error: 'value does not match the regex pattern' };
    if (typeof prop.format === 'string') {
      const problem = verifyFormat(prop.format, value);
      if (problem !== undefined) return { error: `invalid format - ${problem}\n` };
    } else if (prop.format !== undefined) {
      const problem = checkPropertyString(prop.format, value, path);
      if (problem !== undefined) return { error: `invalid format - ${problem}` };
    }
  }
  if (typeof value === 'number') {
    if (prop.minimum !== undefined && value < Number(prop.minimum)) return { error: `value must have a minimum value of ${prop.minimum}` };
    if (prop.maximum !== undefined && value > Number(prop.maximum)) return { error: `value must have a maximum value of ${prop.maximum}` };
  }
  return { value };
}

/** parse_property_string + check_object: the die text, or undefined when valid. */
function checkPropertyString(format: PropertyFormat, value: string, path: string): string | undefined {
  let parsed: Record<string, string>;
  try {
    parsed = parsePropertyString(format, value);
  } catch (error) {
    return `${(error as Error).message}\n`;
  }
  const lines: string[] = [];
  for (const [key, raw] of Object.entries(parsed)) {
    const sub = format[key];
    if (sub === undefined) {
      lines.push(`${path}.${key}: ${NOT_IN_SCHEMA}`);
      continue;
    }
    const checked = checkValue(sub, raw, `${path}.${key}`);
    if ('error' in checked) lines.push(`${path}.${key}: ${checked.error.replace(/\n$/, '')}`);
  }
  for (const [key, sub] of Object.entries(format)) {
    if (!isOptional(sub) && parsed[key] === undefined) lines.push(`${path}.${key}: ${MISSING_PROPERTY}`);
  }
  return lines.length === 0 ? undefined : `format error\n${lines.sort().join('\n')}\n`;
}

/** Validate merged request parameters against an endpoint's `parameters`; throws a 400. */
export function validateParams(schema: PveProperty, raw: Readonly<Record<string, unknown>>): Params {
  const errors: Record<string, string> = {};
  const result: Params = {};
  for (const [name, value] of Object.entries(raw)) {
    const prop = propertyFor(schema, name);
    if (prop === undefined) {
      if (schema.additionalProperties !== 1) errors[name] = NOT_IN_SCHEMA;
      continue;
    }
    if (value === null || value === undefined) continue;
    const checked = checkValue(prop, value, name);
    if ('error' in checked) errors[name] = checked.error;
    else result[name] = checked.value;
  }
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    if (name.endsWith('[n]')) continue;
    if (!isOptional(prop) && (raw[name] === undefined || raw[name] === null) && errors[name] === undefined) errors[name] = MISSING_PROPERTY;
    if (prop.requires !== undefined && raw[name] !== undefined && raw[prop.requires] === undefined) {
      errors[prop.requires] = `missing property - '${name}' requires this property`;
    }
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return result;
}
