/**
 * The OpenAPI document and its page: public at /docs (no CDN), complete (every route that
 * needs the token is in it, and everything in it needs the token), honest (real replies
 * validate against it) and committed up to date in docs/openapi.json.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { OPENAPI_FILE, openApiDocument } from '../../scripts/openapi-document.js';
import { createHarness, siteBody, type Harness } from './harness.js';
import { OpenApiDocument } from './openapi-validator.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

let harness: Harness;
let document: OpenApiDocument;

before(async () => {
  harness = createHarness({ app: { system: () => ({ mode: 'sandbox (in-process)', queues: {}, liveServices: 0 }) } });
  const response = await harness.app.inject({ method: 'GET', url: '/docs/json' });
  assert.equal(response.statusCode, 200, response.body);
  document = new OpenApiDocument(response.json());
});

after(async () => harness.close());

/** [METHOD, path] of every route but HEAD, from Fastify's route tree (`:x` and `*` kept). */
function routesOf(tree: string): [string, string][] {
  const prefixes: string[] = [];
  const routes: [string, string][] = [];
  for (const line of tree.split('\n')) {
    const match = /^(.*?)[└├]── (.*) \(([A-Z, ]+)\)$/.exec(line);
    if (match === null) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = (prefixes[depth - 1] ?? '') + (match[2] ?? '');
    prefixes[depth] = path;
    for (const method of (match[3] ?? '').split(', ')) if (method !== 'HEAD') routes.push([method, path]);
  }
  return routes;
}

/** A concrete path for a route pattern. */
const sample = (path: string) => path.replace(/:[A-Za-z_]+/g, 'svc-1').replace(/\*$/, 'file.js');

test('/docs is a page, with its files and the document, all served without a token and from here', async () => {
  for (const url of ['/docs', '/docs/']) {
    const page = await harness.app.inject({ method: 'GET', url });
    assert.equal(page.statusCode, 200, url);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /swagger-ui/);
    assert.doesNotMatch(page.body, /(src|href)="https?:/, 'no script or style from elsewhere');
  }
  for (const url of ['/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/yaml']) {
    const file = await harness.app.inject({ method: 'GET', url });
    assert.equal(file.statusCode, 200, url);
  }
});

test('the document is OpenAPI 3 with the package’s name and version, the bearer scheme everywhere and relative servers', () => {
  const doc = document.doc as { openapi: string; info: { title: string; version: string }; servers?: unknown; security: unknown; components: { securitySchemes: unknown } };
  assert.match(doc.openapi, /^3\.\d+\.\d+$/);
  assert.equal(doc.info.title, pkg.name);
  assert.equal(doc.info.version, pkg.version);
  assert.deepEqual(doc.components.securitySchemes, { bearerAuth: { type: 'http', scheme: 'bearer', description: 'PROVISIOND_API_TOKEN' } });
  assert.deepEqual(doc.security, [{ bearerAuth: [] }]);
  assert.equal(doc.servers, undefined);
});

test('every route that needs the token is documented, and every documented operation needs it', async () => {
  const routes = routesOf(harness.app.printRoutes({ commonPrefix: false }));
  assert.ok(routes.length > 20, `only ${routes.length} routes found in the route tree`);
  for (const [method, pattern] of routes) {
    const url = sample(pattern);
    const response = await harness.app.inject({ method: method as 'GET', url });
    if (response.statusCode !== 401) continue;
    // A wildcard whose sample file does not exist falls through to "no route", which is 401 too.
    const authorised = await harness.call({ method: method as 'GET', url });
    if (authorised.statusCode === 404 && /^no route/.test(String((authorised.json() as { error?: { message?: string } }).error?.message))) continue;
    assert.ok(document.find(method, url) !== undefined, `${method} ${pattern} needs the token but is not documented`);
  }
  const operations = document.operations();
  assert.ok(operations.length >= 20);
  for (const [method, template] of operations) {
    const url = template.replace(/\{[^}]+\}/g, 'svc-1');
    const response = await harness.app.inject({ method: method as 'GET', url });
    const open = document.find(method, url)?.security?.length === 0;
    if (open) assert.notEqual(response.statusCode, 401, `${method} ${template} is documented as open`);
    else assert.equal(response.statusCode, 401, `${method} ${template} answers ${response.statusCode} without a token`);
  }
});

test('the API routes say what they do, and every command documents Idempotency-Key', () => {
  for (const [method, template] of document.operations()) {
    const operation = document.find(method, template.replace(/\{[^}]+\}/g, 'x'));
    assert.ok(operation !== undefined);
    const raw = (document.doc.paths as Record<string, Record<string, { summary?: string; tags?: string[] }>>)[template]?.[method.toLowerCase()];
    // The routes of this change; other routes are documented by their owners.
    const ours = template === '/v1/system' || ['paymenter', 'services', 'domains'].some((tag) => raw?.tags?.includes(tag));
    if (!ours) continue;
    assert.ok((raw?.summary ?? '').length > 10, `${method} ${template} has no summary`);
    assert.ok(operation.responses['401'] !== undefined, `${method} ${template} does not document 401`);
    if (method === 'POST' || method === 'DELETE') {
      assert.ok(operation.parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key'), `${method} ${template}`);
    }
  }
});

test('real replies validate against the documented schemas', async () => {
  const check = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, status?: number) => {
    const response = await harness.call({ method, url, ...(payload === undefined ? {} : { payload }) });
    if (status !== undefined) assert.equal(response.statusCode, status, `${method} ${url}: ${response.body}`);
    assert.deepEqual(document.responseIssues(method, url.split('?')[0] ?? url, response.statusCode, response.json()), [], `${method} ${url}`);
  };
  await check('POST', '/create-site', siteBody(4501), 201);
  await check('POST', '/create-site?wait=5', siteBody(4501), 200);
  await harness.settled('4501', 'active');
  await check('GET', '/status?service_id=4501', undefined, 200);
  await check('GET', '/v1/services?limit=5', undefined, 200);
  await check('GET', '/v1/services/4501', undefined, 200);
  await check('GET', '/v1/services/4501/log', undefined, 200);
  await check('GET', '/v1/system', undefined, 200);
  await check('POST', '/customdomain/add', { service_id: 4501, domain: 'shop.example.com' }, 202);
  await check('GET', '/v1/services/4501/domains', undefined, 200);
  await harness.settled('4501', 'active');
  await check('POST', '/v1/services/4501/plan', { plan: 'premium' }, 200);
  await harness.settled('4501', 'active');
  await check('DELETE', '/v1/services/4501/domains/shop.example.com', undefined, 202);
  await check('POST', '/suspend', { service_id: 4501 }, 200);
  await check('GET', '/status?service_id=nope', undefined, 404);
  await check('POST', '/create-site', { service_id: 4502 }, 400);
  await check('POST', '/v1/services/4501/retry', undefined, 409);
  await check('POST', '/delete-site', { service_id: 4501 }, 200);
  await harness.settled('4501', 'deleted');
  await check('POST', '/unsuspend', { service_id: 4501 }, 410);
});

test('docs/openapi.json is the document the daemon serves (npm run openapi rewrites it)', async () => {
  const committed = readFileSync(OPENAPI_FILE, 'utf8').split('\n');
  const current = (await openApiDocument()).split('\n');
  const line = current.findIndex((text, i) => text !== committed[i]);
  // The first differing line is enough to go on; the whole document would drown the report.
  assert.ok(line === -1 && committed.length === current.length, `docs/openapi.json is stale from line ${line + 1} (${JSON.stringify(current[line])}): run npm run openapi`);
});
