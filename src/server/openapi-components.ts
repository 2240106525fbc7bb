/**
 * Shares what repeats in the generated OpenAPI document as components: @fastify/swagger
 * inlines every route's schemas, so the error replies (the same on twenty routes) and the
 * service view (in three replies) would be written out again and again. Error replies become
 * `components.responses`; schemas that carry a `title` become `components.schemas`. The
 * document says the same, in a third of the size, and Swagger UI names the shared models.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** One name per distinct content: `Error404`, and `Error404_2` for a second, different 404. */
class Registry {
  private readonly byContent = new Map<string, string>();
  readonly entries: Json = {};

  name(base: string, value: unknown): string {
    const content = JSON.stringify(value);
    const known = this.byContent.get(content);
    if (known !== undefined) return known;
    let name = base;
    for (let n = 2; name in this.entries; n++) name = `${base}_${n}`;
    this.byContent.set(content, name);
    this.entries[name] = value;
    return name;
  }
}

/** Replaces every schema with a `title` (TypeBox's option) by a reference, innermost first. */
function hoistTitled(node: unknown, schemas: Registry): unknown {
  if (Array.isArray(node)) return node.map((item) => hoistTitled(item, schemas));
  if (!isObject(node)) return node;
  const copy: Json = {};
  for (const [key, value] of Object.entries(node)) copy[key] = hoistTitled(value, schemas);
  if (typeof copy.title !== 'string' || copy.type === undefined) return copy;
  return { $ref: `#/components/schemas/${schemas.name(copy.title.replace(/[^A-Za-z0-9._-]/g, ''), copy)}` };
}

const sorted = (entries: Json): Json => Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));

/** For @fastify/swagger's `transformObject` option. */
export function shareComponents({ openapiObject }: { openapiObject: Partial<Json> }): Json {
  const schemas = new Registry();
  const responses = new Registry();
  const paths = (hoistTitled(openapiObject.paths ?? {}, schemas) ?? {}) as Record<string, Record<string, Json>>;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      if (!isObject(operation.responses)) continue;
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        operation.responses[status] = { $ref: `#/components/responses/${responses.name(`Error${status}`, response)}` };
      }
    }
  }
  const components = isObject(openapiObject.components) ? openapiObject.components : {};
  return {
    ...openapiObject,
    paths,
    components: {
      ...components,
      schemas: sorted({ ...(isObject(components.schemas) ? components.schemas : {}), ...schemas.entries }),
      responses: sorted({ ...(isObject(components.responses) ? components.responses : {}), ...responses.entries }),
    },
  };
}
