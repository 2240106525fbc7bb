/**
 * The part of JSON Schema that NPM's request schemas use, checked the way NPM's validator
 * checks them: Ajv 8 with `allErrors` and `coerceTypes` (`"8080"` becomes 8080, `"true"` becomes
 * true), and Ajv's English messages joined by `errorsText` — `data/forward_port must be <= 65535`.
 * Written here because the sandbox may not depend on Ajv; the messages are what clients see.
 */

export type JsonSchema = { readonly [keyword: string]: unknown };

export interface SchemaError {
  /** JSON pointer of the offending value, `''` for the root (Ajv's `instancePath`). */
  readonly instancePath: string;
  readonly message: string;
}

export interface SchemaResult {
  readonly errors: readonly SchemaError[];
  /** The input after type coercion. */
  readonly value: unknown;
}

type Scalar = 'string' | 'number' | 'integer' | 'boolean' | 'null';
const COERCIBLE = new Set<string>(['string', 'number', 'integer', 'boolean', 'null']);

export function checkSchema(schema: JsonSchema, value: unknown): SchemaResult {
  const errors: SchemaError[] = [];
  const coerced = check(schema, value, '', errors);
  return { errors, value: coerced };
}

/** Ajv's `errorsText` with its defaults: `data<path> <message>`, joined by `, `. */
export function errorsText(errors: readonly SchemaError[]): string {
  return errors.map((e) => `data${e.instancePath} ${e.message}`).join(', ');
}

function check(schema: JsonSchema, input: unknown, path: string, errors: SchemaError[]): unknown {
  let value = input;
  const types = typeList(schema['type']);
  if (types !== undefined && !types.some((t) => hasType(t, value))) {
    const coerced = coerce(types, value);
    if (!coerced.ok) {
      errors.push({ instancePath: path, message: `must be ${types.join(',')}` });
      return value;
    }
    value = coerced.value;
  }
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && !enumValues.some((e) => deepEqual(e, value))) {
    errors.push({ instancePath: path, message: 'must be equal to one of the allowed values' });
  }
  value = checkCombinators(schema, value, path, errors);
  if (typeof value === 'number') checkNumber(schema, value, path, errors);
  if (typeof value === 'string') checkString(schema, value, path, errors);
  if (Array.isArray(value)) value = checkArray(schema, value, path, errors);
  else if (isObject(value)) value = checkObject(schema, value, path, errors);
  return value;
}

function checkCombinators(schema: JsonSchema, value: unknown, path: string, errors: SchemaError[]): unknown {
  const anyOf = schema['anyOf'];
  if (Array.isArray(anyOf)) {
    const branchErrors: SchemaError[] = [];
    for (const branch of anyOf as JsonSchema[]) {
      const own: SchemaError[] = [];
      const result = check(branch, value, path, own);
      if (own.length === 0) return result;
      branchErrors.push(...own);
    }
    errors.push(...branchErrors, { instancePath: path, message: 'must match a schema in anyOf' });
  }
  const oneOf = schema['oneOf'];
  if (Array.isArray(oneOf)) {
    const branchErrors: SchemaError[] = [];
    let passing = 0;
    let result = value;
    for (const branch of oneOf as JsonSchema[]) {
      const own: SchemaError[] = [];
      const checked = check(branch, value, path, own);
      if (own.length === 0) {
        passing++;
        result = checked;
      } else branchErrors.push(...own);
    }
    if (passing === 1) return result;
    if (passing === 0) errors.push(...branchErrors);
    errors.push({ instancePath: path, message: 'must match exactly one schema in oneOf' });
  }
  return value;
}

function checkNumber(schema: JsonSchema, value: number, path: string, errors: SchemaError[]): void {
  const max = schema['maximum'];
  const min = schema['minimum'];
  if (typeof max === 'number' && value > max) errors.push({ instancePath: path, message: `must be <= ${max}` });
  if (typeof min === 'number' && value < min) errors.push({ instancePath: path, message: `must be >= ${min}` });
}

function checkString(schema: JsonSchema, value: string, path: string, errors: SchemaError[]): void {
  // Ajv counts code points, not UTF-16 units.
  const length = [...value].length;
  const max = schema['maxLength'];
  const min = schema['minLength'];
  const pattern = schema['pattern'];
  if (typeof max === 'number' && length > max) {
    errors.push({ instancePath: path, message: `must NOT have more than ${max} characters` });
  }
  if (typeof min === 'number' && length < min) {
    errors.push({ instancePath: path, message: `must NOT have fewer than ${min} characters` });
  }
  if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(value)) {
    errors.push({ instancePath: path, message: `must match pattern "${pattern}"` });
  }
}

function checkArray(schema: JsonSchema, value: unknown[], path: string, errors: SchemaError[]): unknown[] {
  const max = schema['maxItems'];
  const min = schema['minItems'];
  if (typeof max === 'number' && value.length > max) {
    errors.push({ instancePath: path, message: `must NOT have more than ${max} items` });
  }
  if (typeof min === 'number' && value.length < min) {
    errors.push({ instancePath: path, message: `must NOT have fewer than ${min} items` });
  }
  const items = schema['items'];
  const result = isObject(items)
    ? value.map((item, i) => check(items, item, `${path}/${i}`, errors))
    : value;
  if (schema['uniqueItems'] === true) {
    // Ajv walks from the end and reports the first repeat it meets: "items ## 1 and 0".
    const seen = new Map<string, number>();
    for (let i = result.length - 1; i >= 0; i--) {
      const key = JSON.stringify(result[i]);
      const j = seen.get(key);
      if (j !== undefined) {
        errors.push({ instancePath: path, message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)` });
        break;
      }
      seen.set(key, i);
    }
  }
  return result;
}

function checkObject(
  schema: JsonSchema,
  value: Record<string, unknown>,
  path: string,
  errors: SchemaError[],
): Record<string, unknown> {
  const minProperties = schema['minProperties'];
  if (typeof minProperties === 'number' && Object.keys(value).length < minProperties) {
    errors.push({ instancePath: path, message: `must NOT have fewer than ${minProperties} properties` });
  }
  const required = schema['required'];
  if (Array.isArray(required)) {
    for (const name of required as string[]) {
      if (!Object.hasOwn(value, name)) {
        errors.push({ instancePath: path, message: `must have required property '${name}'` });
      }
    }
  }
  const properties = isObject(schema['properties']) ? (schema['properties'] as Record<string, JsonSchema>) : {};
  if (schema['additionalProperties'] === false) {
    for (const name of Object.keys(value)) {
      if (!Object.hasOwn(properties, name)) {
        errors.push({ instancePath: path, message: 'must NOT have additional properties' });
      }
    }
  }
  const result: Record<string, unknown> = { ...value };
  for (const [name, propertySchema] of Object.entries(properties)) {
    if (Object.hasOwn(value, name)) {
      result[name] = check(propertySchema, value[name], `${path}/${pointerEscape(name)}`, errors);
    }
  }
  return result;
}

function typeList(type: unknown): string[] | undefined {
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? (type as string[]) : undefined;
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'string': return typeof value === 'string';
    case 'number': return typeof value === 'number' && Number.isFinite(value);
    case 'integer': return Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'null': return value === null;
    case 'array': return Array.isArray(value);
    case 'object': return isObject(value);
    default: return false;
  }
}

/** Ajv's `coerceTypes: true` rules, tried in the order the schema lists its types. */
function coerce(types: readonly string[], value: unknown): { ok: true; value: unknown } | { ok: false } {
  for (const type of types) {
    if (!COERCIBLE.has(type)) continue;
    const result = coerceScalar(type as Scalar, value);
    if (result.ok) return result;
  }
  return { ok: false };
}

function coerceScalar(type: Scalar, value: unknown): { ok: true; value: unknown } | { ok: false } {
  const t = typeof value;
  switch (type) {
    case 'string':
      if (t === 'number' || t === 'boolean') return { ok: true, value: String(value) };
      return value === null ? { ok: true, value: '' } : { ok: false };
    case 'number':
    case 'integer': {
      let n: number | undefined;
      if (t === 'boolean') n = value ? 1 : 0;
      else if (value === null) n = 0;
      else if (t === 'string' && value !== '' && Number.isFinite(Number(value))) n = Number(value);
      if (n === undefined || (type === 'integer' && !Number.isInteger(n))) return { ok: false };
      return { ok: true, value: n };
    }
    case 'boolean':
      if (value === 'false' || value === 0 || value === null) return { ok: true, value: false };
      if (value === 'true' || value === 1) return { ok: true, value: true };
      return { ok: false };
    case 'null':
      return value === '' || value === 0 || value === false ? { ok: true, value: null } : { ok: false };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerEscape(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1');
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
