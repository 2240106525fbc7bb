/**
 * json.php: the remote method is the FIRST query-string key (`/remote/json.php?login`), the body
 * is a JSON object whose keys are the PHP parameter names, and the answer is always HTTP 200 with
 * `{code, message, response}` — unless PHP dies. Each served method is its own Fastify route
 * (a route constraint derived from the query string), so faults and counters apply per method
 * (`ispconfig.<method>`); everything else lands on the `ispconfig.dispatch` route.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorShape } from '../core/http-simulator.js';
import { sendShape } from '../core/http-simulator.js';
import { message, schema } from './ispconfig-schema.js';
import { PhpDeath, RemoteFault, envelope } from './remote-errors.js';
import type { RemoteFunction } from './remote-function.js';

const URL_PATH = '/remote/json.php';

/** PHP's `reset(array_keys($_GET))`: the first non-empty key, with `.` and ` ` turned into `_`. */
export function firstQueryKey(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split('&')) {
    let key = part.split('=')[0] ?? '';
    try {
      key = decodeURIComponent(key.replaceAll('+', ' '));
    } catch {
      // urldecode() leaves malformed escapes alone.
    }
    if (key !== '') return key.replace(/[. ]/g, '_');
  }
  return undefined;
}

function parseBody(body: unknown): Record<string, unknown> | null {
  if (typeof body !== 'string' || body.trim() === '') return null;
  try {
    const json: unknown = JSON.parse(body);
    // json_decode($raw, true) then is_array(): objects and lists pass, scalars do not.
    return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function answer(request: FastifyRequest, functions: Readonly<Record<string, RemoteFunction>>): Promise<ErrorShape> {
  const method = firstQueryKey(request.url);
  if (method === undefined) return envelope('invalid_method', message('method_not_provided'));
  const json = parseBody(request.body);
  if (json === null) return envelope('invalid_data', message('invalid_data'));
  const fn = Object.hasOwn(functions, method) ? functions[method] : undefined;
  const def = Object.hasOwn(schema.methods, method) ? schema.methods[method] : undefined;
  if (fn === undefined || def === undefined) return envelope('invalid_method', message('method_does_not_exist').replace('%s', method));
  // isset($json[$name]) ? $json[$name] : null — an explicit JSON null is "absent" too.
  const args = Object.fromEntries(def.params.map((p) => [p, Object.hasOwn(json, p) && json[p] !== null ? json[p] : null]));
  try {
    return envelope('ok', '', await fn(args));
  } catch (error) {
    if (error instanceof RemoteFault) return envelope('remote_fault', error.message);
    if (error instanceof PhpDeath) return { status: error.status, body: error.body, headers: { 'content-type': error.contentType } };
    throw error;
  }
}

export function registerJsonEndpoint(app: FastifyInstance, functions: Readonly<Record<string, RemoteFunction>>): void {
  // php://input is read raw whatever the Content-Type says.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const routes = new Map<string, unknown>();
  app.addConstraintStrategy({
    name: 'rpcMethod',
    storage: () => ({
      get: (value: string) => (routes.get(value) ?? null) as never,
      set: (value: string, store: unknown) => void routes.set(value, store),
    }),
    deriveConstraint: (req) => firstQueryKey(req.url ?? '') as string,
    mustMatchWhenDerived: false,
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    sendShape(reply, await answer(request, functions));
  };
  for (const name of Object.keys(functions)) {
    app.route({ method: ['GET', 'POST'], url: URL_PATH, constraints: { rpcMethod: name }, config: { op: `ispconfig.${name}` }, handler });
  }
  app.route({ method: ['GET', 'POST'], url: URL_PATH, config: { op: 'ispconfig.dispatch' }, handler });
}
