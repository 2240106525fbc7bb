/**
 * `/api/nginx/certificates` (backend/routes/nginx/certificates.js): list, create, get, delete,
 * renew. Not served: dns-providers, test-http (calls a third-party site), validate, upload and
 * download (multipart files), which provisiond does not use.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CertificateExpansion, CertificateInput, CertificateService } from './certificate-service.js';
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

type IdRequest = FastifyRequest<{ Params: { certificateId: string } }>;

/** The relations NPM's allowGraph lets a certificate expand. */
const RELATIONS: readonly CertificateExpansion[] = ['owner', 'proxy_hosts', 'redirection_hosts', 'dead_hosts'];

export function registerCertificateRoutes(app: FastifyInstance, npm: NpmContext, certificates: CertificateService): void {
  app.get('/api/nginx/certificates', { config: { op: 'npm.certificates.list' } }, async (request, reply) => {
    const caller = callerOf(npm, request);
    const expand = expandParam(request);
    const query = searchParam(request);
    requireCaller(caller, request);
    sendJson(reply, 200, certificates.list(checkExpansions(expand, RELATIONS), query));
    return reply;
  });

  // Blocks until certbot is done (NPM gives this request a 15 minute socket timeout).
  app.post('/api/nginx/certificates', { config: { op: 'npm.certificates.create' } }, async (request, reply) => {
    const caller = callerOf(npm, request);
    const body = validateBody<CertificateInput>('POST /nginx/certificates', request.body);
    requireCaller(caller, request);
    sendJson(reply, 201, await certificates.create(body));
    return reply;
  });

  app.get('/api/nginx/certificates/:certificateId', { config: { op: 'npm.certificates.get' } }, async (request: IdRequest, reply) => {
    const caller = callerOf(npm, request);
    const id = validatedId(request.params.certificateId);
    const expand = expandParam(request);
    requireCaller(caller, request);
    sendJson(reply, 200, certificates.get(id, checkExpansions(expand, RELATIONS)));
    return reply;
  });

  app.delete('/api/nginx/certificates/:certificateId', { config: { op: 'npm.certificates.delete' } }, async (request: IdRequest, reply) => {
    requireCaller(callerOf(npm, request), request);
    sendJson(reply, 200, await certificates.delete(looseId(request.params.certificateId)));
    return reply;
  });

  app.post('/api/nginx/certificates/:certificateId/renew', { config: { op: 'npm.certificates.renew' } }, async (request: IdRequest, reply) => {
    requireCaller(callerOf(npm, request), request);
    sendJson(reply, 200, await certificates.renew(looseId(request.params.certificateId)));
    return reply;
  });
}
