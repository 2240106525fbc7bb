/**
 * The resource API for operators and the dashboard: list and show services, and the same
 * commands as the webhooks addressed by path. Replies use the same shapes as the webhooks.
 */
import { AppError } from '../../errors.js';
import { domainAddedReply, executeFor, lifecycleReply, type RouteDeps, type TypedApp } from '../commands.js';
import { containerField } from '../container-reading.js';
import { checkPlan, normaliseDomain, queryInteger } from '../fields.js';
import {
  DEFAULT_LIST_LIMIT, DEFAULT_LOG_LIMIT, DomainBody, LIST_LIMIT_RANGE, ListQuery, LOG_LIMIT_RANGE, LogQuery, PlanBody, ServiceDomainParams, ServiceParams,
} from '../schemas.js';
import { domainToWire, serviceToWire, transitionToWire } from '../wire.js';

const SHOW_TRANSITIONS = 20;

export function registerServiceRoutes(app: TypedApp, deps: RouteDeps): void {
  const { registry } = deps;

  app.get('/v1/services', { schema: { querystring: ListQuery } }, async (request) => {
    const { state, after } = request.query;
    const limit = queryInteger(request.query.limit, 'limit', LIST_LIMIT_RANGE) ?? DEFAULT_LIST_LIMIT;
    const services = registry.list({ limit, ...(state === undefined ? {} : { state }), ...(after === undefined ? {} : { after }) });
    const last = services[services.length - 1];
    // A full page may have more behind it: hand out the cursor. A short page is the end.
    return { services: services.map(serviceToWire), next: services.length === limit && last !== undefined ? last.serviceId : null };
  });

  app.get('/v1/services/:service_id', { schema: { params: ServiceParams } }, async (request) => {
    const serviceId = request.params.service_id;
    const service = registry.get(serviceId);
    if (service === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    return {
      service: serviceToWire(service),
      ...(await containerField(deps.readContainer, service)),
      transitions: registry.recentTransitions(serviceId, SHOW_TRANSITIONS).map(transitionToWire),
    };
  });

  app.get('/v1/services/:service_id/log', { schema: { params: ServiceParams, querystring: LogQuery } }, async (request) => {
    const serviceId = request.params.service_id;
    const limit = queryInteger(request.query.limit, 'limit', LOG_LIMIT_RANGE) ?? DEFAULT_LOG_LIMIT;
    if (registry.get(serviceId) === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    const lines = registry.logTail(serviceId, limit);
    return { service_id: serviceId, lines: lines.map(({ id, at, line }) => ({ id, at, line })) };
  });

  // reinstall: a fresh WordPress; restore: back to the `initial` snapshot. Both 202: the
  // service's actor does the work and the feed shows it.
  for (const type of ['retry', 'suspend', 'unsuspend', 'delete', 'reinstall', 'restore'] as const) {
    app.post(`/v1/services/:service_id/${type}`, { schema: { params: ServiceParams } }, async (request) => {
      return lifecycleReply(executeFor(request, registry, { type, serviceId: request.params.service_id }));
    });
  }

  // Paymenter's upgrade: memory, CPU and disk follow the plan; the domain quota too.
  app.post('/v1/services/:service_id/plan', { schema: { params: ServiceParams, body: PlanBody } }, async (request) => {
    const plan = checkPlan(request.body.plan, deps.plans);
    const outcome = executeFor(request, registry, { type: 'changePlan', serviceId: request.params.service_id, plan });
    return { ...lifecycleReply(outcome), plan: outcome.service.plan, requested_plan: plan };
  });

  app.get('/v1/services/:service_id/domains', { schema: { params: ServiceParams } }, async (request) => {
    const serviceId = request.params.service_id;
    const service = registry.get(serviceId);
    if (service === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    return { service_id: serviceId, quota: service.domainQuota, domains: service.domains.map(domainToWire) };
  });

  app.post('/v1/services/:service_id/domains/:domain/retry', { schema: { params: ServiceDomainParams } }, async (request, reply) => {
    const serviceId = request.params.service_id;
    const domain = normaliseDomain(request.params.domain);
    const { service } = executeFor(request, registry, { type: 'domain.retry', serviceId, domain });
    void reply.code(202);
    const entry = service.domains.find((view) => view.domain === domain);
    return { success: true, service_id: serviceId, domain, state: entry?.state ?? 'removed' };
  });

  app.post('/v1/services/:service_id/domains', { schema: { params: ServiceParams, body: DomainBody } }, async (request, reply) => {
    const serviceId = request.params.service_id;
    const domain = normaliseDomain(request.body.domain);
    const outcome = executeFor(request, registry, { type: 'domain.add', serviceId, domain });
    void reply.code(202);
    return domainAddedReply(outcome, domain);
  });

  app.delete('/v1/services/:service_id/domains/:domain', { schema: { params: ServiceDomainParams } }, async (request, reply) => {
    const serviceId = request.params.service_id;
    const domain = normaliseDomain(request.params.domain);
    const { service } = executeFor(request, registry, { type: 'domain.remove', serviceId, domain });
    // 202: the proxy host, DNS zone and certificate are torn down by the domain's actor.
    void reply.code(202);
    const remaining = service.domains.find((entry) => entry.domain === domain);
    return { success: true, service_id: service.serviceId, domain, state: remaining?.state ?? 'removed' };
  });
}
