/** `/api/nginx/proxy-hosts` (backend/routes/nginx/proxy_hosts.js). */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { NpmContext } from './npm-context.js';
import { sendJson } from './npm-errors.js';
import {
  callerOf,
  checkExpansions,
  expandParam,
  looseId,
  requireCaller,
  searchParam,
  validateBody,
  validatedId,
} from './npm-request.js';
import type { HostBody, ProxyHostService } from './proxy-host-service.js';

type IdRequest = FastifyRequest<{ Params: { hostId: string } }>;

/** The relations NPM's allowGraph lets a proxy host expand. */
const RELATIONS = ['owner', 'access_list', 'certificate'] as const;

export function registerProxyHostRoutes(app: FastifyInstance, npm: NpmContext, hosts: ProxyHostService): void {
  app.get('/api/nginx/proxy-hosts', { config: { op: 'npm.proxy_hosts.list' } }, async (request, reply) => {
    const caller = callerOf(npm, request);
    const expand = expandParam(request);
    const query = searchParam(request);
    requireCaller(caller, request);
    sendJson(reply, 200, hosts.list(checkExpansions(expand, RELATIONS), query));
    return reply;
  });

  app.post('/api/nginx/proxy-hosts', { config: { op: 'npm.proxy_hosts.create' } }, async (request, reply) => {
    const caller = callerOf(npm, request);
    const body = validateBody<HostBody & { domain_names: string[] }>('POST /nginx/proxy-hosts', request.body);
    requireCaller(caller, request);
    sendJson(reply, 201, await hosts.create(body));
    return reply;
  });

  app.get('/api/nginx/proxy-hosts/:hostId', { config: { op: 'npm.proxy_hosts.get' } }, async (request: IdRequest, reply) => {
    const caller = callerOf(npm, request);
    const id = validatedId(request.params.hostId);
    const expand = expandParam(request);
    requireCaller(caller, request);
    sendJson(reply, 200, hosts.get(id, checkExpansions(expand, RELATIONS)));
    return reply;
  });

  app.put('/api/nginx/proxy-hosts/:hostId', { config: { op: 'npm.proxy_hosts.update' } }, async (request: IdRequest, reply) => {
    const caller = callerOf(npm, request);
    const body = validateBody<HostBody>('PUT /nginx/proxy-hosts/{hostID}', request.body);
    requireCaller(caller, request);
    sendJson(reply, 200, await hosts.update(looseId(request.params.hostId), body));
    return reply;
  });

  app.delete('/api/nginx/proxy-hosts/:hostId', { config: { op: 'npm.proxy_hosts.delete' } }, async (request: IdRequest, reply) => {
    requireCaller(callerOf(npm, request), request);
    sendJson(reply, 200, await hosts.delete(looseId(request.params.hostId)));
    return reply;
  });

  app.post('/api/nginx/proxy-hosts/:hostId/enable', { config: { op: 'npm.proxy_hosts.enable' } }, async (request: IdRequest, reply) => {
    requireCaller(callerOf(npm, request), request);
    sendJson(reply, 200, await hosts.enable(looseId(request.params.hostId)));
    return reply;
  });

  app.post('/api/nginx/proxy-hosts/:hostId/disable', { config: { op: 'npm.proxy_hosts.disable' } }, async (request: IdRequest, reply) => {
    requireCaller(callerOf(npm, request), request);
    sendJson(reply, 200, await hosts.disable(looseId(request.params.hostId)));
    return reply;
  });
}

