/**
 * Checks requests and replies against the daemon's OpenAPI document: the operation exists,
 * required parameters and headers are there, and bodies and parameters validate against the
 * documented schemas (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses). Each issue is a sentence
 * naming what is wrong, for assertion messages.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

type Json = Record<string, unknown>;

export interface HttpRequest {
  readonly method: string;
  /** Path and query string, e.g. `/status?service_id=12`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'header' | 'path' | 'cookie';
  readonly required?: boolean;
  readonly schema: Json;
}

export interface Operation {
  readonly template: string;
  readonly method: string;
  readonly parameters: readonly Parameter[];
  readonly requestBody?: { readonly required?: boolean; readonly content: Record<string, { schema: Json }> };
  readonly responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
  readonly security?: readonly Record<string, readonly string[]>[];
  readonly params: Record<string, string>;
}

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

export class OpenApiDocument {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly doc: Json) {}

  /** Inlines `#/…` references (the document has no recursive ones). */
  resolve<T>(node: T): T {
    if (Array.isArray(node)) return node.map((item) => this.resolve(item)) as T;
    if (!isObject(node)) return node;
    if (typeof node.$ref === 'string') {
      const target = node.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((at, key) => (isObject(at) ? at[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), this.doc);
      if (target === undefined) throw new Error(`unresolved reference ${node.$ref}`);
      return this.resolve(target) as T;
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, this.resolve(value)])) as T;
  }

  /** Every operation as [METHOD, path template]. */
  operations(): [string, string][] {
    const paths = (this.doc.paths ?? {}) as Record<string, Json>;
    return Object.entries(paths).flatMap(([template, item]) => Object.keys(item).map((method): [string, string] => [method.toUpperCase(), template]));
  }

  /** The operation a method and path (no query) fall under, with its path parameters. */
  find(method: string, path: string): Operation | undefined {
    const paths = (this.doc.paths ?? {}) as Record<string, Json>;
    for (const [template, item] of Object.entries(paths)) {
      const names: string[] = [];
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_all, name: string) => (names.push(name), '([^/]+)'));
      const match = new RegExp(`^${pattern}$`).exec(path);
      const operation = item[method.toLowerCase()];
      if (match === null || !isObject(operation)) continue;
      const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
      const resolved = this.resolve(operation) as unknown as Omit<Operation, 'template' | 'method' | 'params'>;
      return { ...resolved, parameters: resolved.parameters ?? [], template, method: method.toUpperCase(), params };
    }
    return undefined;
  }

  /** What is wrong with a request, by the document (empty: nothing). */
  requestIssues(request: HttpRequest): string[] {
    const url = new URL(request.url, 'http://document.test');
    const operation = this.find(request.method, url.pathname);
    if (operation === undefined) return [`${request.method} ${url.pathname} is not in the document`];
    const issues: string[] = [];
    const header = (name: string) => Object.entries(request.headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    const security = operation.security ?? (this.doc.security as Operation['security']) ?? [];
    if (security.some((entry) => 'bearerAuth' in entry) && !/^Bearer \S+$/.test(header('authorization') ?? '')) issues.push('no bearer token');
    for (const parameter of operation.parameters) {
      const value =
        parameter.in === 'query' ? (url.searchParams.get(parameter.name) ?? undefined)
        : parameter.in === 'header' ? header(parameter.name)
        : parameter.in === 'path' ? operation.params[parameter.name]
        : undefined;
      if (value === undefined) {
        if (parameter.required === true) issues.push(`${parameter.in} parameter ${parameter.name} is missing`);
        continue;
      }
      issues.push(...this.schemaIssues(parameter.schema, value, `${parameter.in} parameter ${parameter.name}`));
    }
    const body = operation.requestBody;
    if (body === undefined) {
      if (request.body !== undefined && request.body !== null) issues.push('a body where the operation takes none');
    } else if (request.body === undefined || request.body === null) {
      if (body.required === true) issues.push('the required body is missing');
    } else {
      const type = (header('content-type') ?? '').split(';')[0]?.trim() ?? '';
      const media = body.content[type];
      if (media === undefined) issues.push(`Content-Type ${JSON.stringify(type)} is not one of ${Object.keys(body.content).join(', ')}`);
      else issues.push(...this.schemaIssues(media.schema, request.body, 'body'));
    }
    return issues;
  }

  /** What is wrong with a reply: an undocumented status, or a body off its schema. */
  responseIssues(method: string, path: string, status: number, body: unknown): string[] {
    const operation = this.find(method, path);
    if (operation === undefined) return [`${method} ${path} is not in the document`];
    const response = operation.responses[String(status)];
    if (response === undefined) return [`${method} ${operation.template} does not document status ${status}`];
    const schema = response.content?.['application/json']?.schema;
    return schema === undefined ? [] : this.schemaIssues(schema, body, `${status} reply`);
  }

  private schemaIssues(schema: Json, value: unknown, what: string): string[] {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((error) => `${what}${error.instancePath}: ${error.message ?? 'invalid'} ${JSON.stringify(error.params)}`);
  }
}
