/**
 * Facts the simulator takes from the vendored OpenAPI subset (`schema.json`, an extract of
 * cloudflare/api-schemas: only the paths served here). Enumerations come from it so the
 * validation cannot drift from the published spec; tests check responses against its shapes.
 */
import schema from './schema.json' with { type: 'json' };

export const cloudflareSchema = schema;

const schemas = schema.components.schemas;

/** Every record type the API knows (`dns-records_type`). */
export const RECORD_TYPES: readonly string[] = schemas['dns-records_type'].enum;
/** List `order` values (`dns-records_order`), default `type`. */
export const RECORD_ORDERS: readonly string[] = schemas['dns-records_order'].enum;
export const DIRECTIONS: readonly string[] = schemas['dns-records_direction'].enum;
export const MATCHES: readonly string[] = schemas['dns-records_match'].enum;

const zoneParameters = schema.paths['/zones'].get.parameters;
const zoneEnum = (name: string): readonly string[] => {
  const parameter = zoneParameters.find((p) => p.name === name);
  const values = parameter !== undefined && 'enum' in parameter.schema ? parameter.schema.enum : undefined;
  if (values === undefined) throw new Error(`schema.json: /zones parameter ${name} has no enum`);
  return values;
};
export const ZONE_STATUSES = zoneEnum('status');
export const ZONE_ORDERS = zoneEnum('order');
