/**
 * The OpenAPI 3 document, generated from the route schemas (@fastify/swagger, dynamic mode),
 * and its page at /docs (@fastify/swagger-ui, files served from node_modules, no CDN). The
 * page and the document are public: they describe the API and hold no secret; every API
 * route they describe still needs the bearer token (the probes, public, are documented so).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import fastifySwagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { Type } from 'typebox';
import { shareComponents } from './openapi-components.js';
import { errorReplies, SystemReply } from './reply-schemas.js';

export const DOCS_PREFIX = '/docs';
/** The document as JSON (also `/docs/yaml`). */
export const OPENAPI_JSON_PATH = `${DOCS_PREFIX}/json`;

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  readonly name: string;
  readonly version: string;
  readonly description: string;
};

/** Documented on every command (POST, DELETE); read by fields.ts, never validated by Fastify. */
const IdempotencyKeyHeader = Type.Object({
  'Idempotency-Key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x20-\\x7e]+$',
      description:
        'Makes a delivery exactly-once: a repeat with the same key gets the first answer (error included) and changes nothing; the same key with a different request is 422 IDEMPOTENCY_KEY_REUSED.',
    }),
  ),
});

/** Documentation for the one route app.ts declares itself, without a schema. */
const SYSTEM_DOCS = {
  tags: ['system'],
  summary: 'What the daemon drives and how much work waits',
  description: 'The mode (`real`, `sandbox (in-process)`, `sandbox (standalone)`), requests running and waiting per external system, and live actors.',
  response: { 200: SystemReply, ...errorReplies() },
};

/**
 * The page loads nothing from elsewhere (validatorUrl: null drops swagger.io's badge). Swagger
 * UI sets style attributes from script, hence 'unsafe-inline' for styles only. The plugin's own
 * policy would add upgrade-insecure-requests, which breaks the page when the daemon is reached
 * over plain HTTP on a private address.
 */
const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

const TAGS = [
  { name: 'paymenter', description: "The seed's endpoints, kept compatible for the Paymenter extension (integrations/paymenter)." },
  { name: 'services', description: 'The resource API for operators and the dashboard.' },
  { name: 'domains', description: "A service's custom domains." },
  { name: 'system', description: 'The daemon itself.' },
];

const DESCRIPTION = `${pkg.description}

Every API route needs \`Authorization: Bearer <token>\` (the probes and this documentation are open). Errors have the shape \`{"error": {"code", "message", "field"?, …details}}\`; clients act on \`code\`.

The live feed of transitions is a WebSocket at \`GET /v1/events\` (\`?since=<seq>\`, \`?service_id=\`, \`?logs=true\`), described in the README; OpenAPI does not describe WebSockets.`;

const swaggerOptions: FastifyDynamicSwaggerOptions = {
  mode: 'dynamic',
  openapi: {
    // 3.1: its schemas are JSON Schema, so TypeBox's `anyOf [..., {type: null}]` is valid as is.
    openapi: '3.1.0',
    info: { title: pkg.name, version: pkg.version, description: DESCRIPTION },
    // No `servers`: the page and clients resolve paths against wherever they fetched the document.
    tags: TAGS,
    components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'PROVISIOND_API_TOKEN' } } },
    security: [{ bearerAuth: [] }],
  },
  transform: ({ schema, url, route }) => {
    if (url === '/v1/system' && schema === undefined) return { schema: SYSTEM_DOCS, url };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const command = methods.some((method) => method === 'POST' || method === 'DELETE') && schema !== undefined;
    // Only the document sees these; the route keeps its own schema. A public route (probes)
    // is documented as open: the global bearer requirement does not apply to it.
    const documented = {
      ...schema,
      ...(command ? { headers: IdempotencyKeyHeader } : {}),
      ...(route.config?.public === true ? { security: [] } : {}),
    };
    return { schema: documented, url };
  },
  transformObject: (documents) => {
    if (!('openapiObject' in documents)) throw new Error('only an OpenAPI 3 document is generated');
    return shareComponents(documents);
  },
};

/**
 * Runs a plugin function whether it ends by calling `done` or by settling the promise it
 * returns (@fastify/swagger-ui is typed as the first and written as the second).
 */
function runPlugin(start: (done: (error?: Error) => void) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const result = start((error) => (error === undefined ? resolve() : reject(error)));
    if (result instanceof Promise) result.then(() => resolve(), reject);
  });
}

/**
 * Call in buildApp before any route is declared. Dynamic mode learns routes from an onRoute
 * hook, and buildApp declares routes synchronously; `app.register` would add that hook only
 * when Fastify loads its plugins, after every route already exists. Both plugins are therefore
 * run directly on the instance now (they are plain functions, which is all `register` calls).
 */
export function registerOpenApi(app: FastifyInstance): void {
  fastifySwagger(app, swaggerOptions, (error) => {
    if (error !== undefined && error !== null) throw error;
  });
  // Response schemas document replies; they do not shape them. Without this, Fastify would
  // serialise with fast-json-stringify, which drops fields a schema does not list.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.register(async (docs) => {
    // Every route the UI plugin adds (the page, its files, /docs/json) is public.
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, public: true };
    });
    const options = { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true, validatorUrl: null }, staticCSP: DOCS_CSP };
    await runPlugin((done) => fastifySwaggerUi(docs, options, done));
  });
}
