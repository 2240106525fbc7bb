/**
 * One place that turns a route table into Fastify routes the way pveproxy handles a call:
 * merge the parameters, resolve the `proxyto` node, validate against the vendored schema,
 * run the handler, answer `{"data": …}` (plus `total` where the real API adds it), and shape
 * every failure as Proxmox does. Paths without a route answer 501 `Method '<M> <path>' not
 * implemented`, as PVE::HTTPServer's rest_handler does.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendShape } from '../core/http-simulator.js';
import type { Cluster } from './cluster-state.js';
import { validateParams, type Params } from './param-validator.js';
import { formatPveError, shapeOf } from './pve-errors.js';
import { endpoint } from './pve-schema.js';
import { mergeParams } from './request-params.js';
import { requestUser } from './token-auth.js';

export interface RouteContext {
  readonly params: Params;
  /** `user@realm!tokenid` of the caller. */
  readonly user: string;
}

/** A result with the `total` attribute some list calls set (task lists, task logs). */
export class Counted {
  constructor(
    readonly data: unknown,
    readonly total: number,
  ) {}
}

export interface PveRoute {
  /** Stable operation name for faults and counters, e.g. `proxmox.lxc.create`. */
  readonly op: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The schema path, e.g. `/nodes/{node}/lxc/{vmid}/config`. */
  readonly path: string;
  /** Milliseconds the call itself takes before the handler runs (tasks time their workers). */
  readonly delayMs: number;
  readonly handler: (context: RouteContext) => unknown;
}

const JSON_TYPE = 'application/json;charset=UTF-8';
const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

function sendData(reply: FastifyReply, result: unknown): void {
  const body = result instanceof Counted ? { data: result.data, total: result.total } : { data: result ?? null };
  reply.code(200).header('content-type', JSON_TYPE).send(JSON.stringify(body));
}

export function servePveRoutes(app: FastifyInstance, cluster: Cluster, routes: readonly PveRoute[]): void {
  for (const route of routes) {
    const schema = endpoint(route.method, route.path);
    app.route({
      method: route.method,
      url: `/api2/json${route.path.replace(/\{([\w-]+)\}/g, ':$1')}`,
      config: { op: route.op },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        try {
          const merged = mergeParams(request);
          // proxyto: the target node is resolved (and may fail) before the handler validates.
          if (schema.proxyto === 'node') cluster.checkNode(String(merged.node));
          const params = validateParams(schema.parameters, merged);
          await sleep(route.delayMs);
          sendData(reply, await route.handler({ params, user: requestUser(request) }));
        } catch (error) {
          sendShape(reply, shapeOf(error));
        }
        return reply;
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '/';
    const api = /^\/api2\/json(\/.*)?$/.exec(path);
    const known = ['GET', 'POST', 'PUT', 'DELETE'].includes(request.method);
    const message = !known
      ? `method '${request.method}' not available`
      : api === null
        ? `no such file '${path}'`
        : `Method '${request.method} ${api[1] ?? '/'}' not implemented`;
    sendShape(reply, formatPveError(501, message));
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && !(error instanceof Error && error.name === 'PveError')) {
      sendShape(reply, formatPveError(status, (error as Error).message));
      return;
    }
    sendShape(reply, shapeOf(error));
  });
}
