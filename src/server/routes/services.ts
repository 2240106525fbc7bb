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
import {
  DomainAddedReply, DomainListReply, DomainStateReply, errorReplies, LifecycleReply, LogReply, PlanReply, ServiceListReply, ServiceReply,
} from '../reply-schemas.js';

const SHOW_TRANSITIONS = 20;

const services = ['services'];
const domains = ['domains'];

/** The commands addressed by path; every one answers at once and the actor does the work. */
const COMMAND_DOCS = {
  retry: { summary: 'Retry a failed service', description: 'Re-enters the phase that failed, at its failed step; what already exists is adopted. 409 unless the service is `failed`.' },
  suspend: { summary: 'Suspend (as POST /suspend)', description: 'Desired state: applied now, or when the busy phase ends; the latest request wins.' },
  unsuspend: { summary: 'Unsuspend (as POST /unsuspend)', description: 'Desired state: the container is started; `active` again once the site answers.' },
  delete: { summary: 'Delete (as POST /delete-site)', description: 'Accepted in every state; a deleted service answers success.' },
  reinstall: {
    summary: 'Reinstall WordPress',
    description: 'A fresh WordPress in the same container (files, database and secrets replaced), verified, then `active` again. From `active`, or from a `failed` built site.',
  },
  restore: {
    summary: 'Restore the initial snapshot',
    description: 'Rolls the container back to the `initial` snapshot taken at the end of provisioning and waits until the site answers. 409 SNAPSHOT_MISSING without one.',
  },
} as const;

export function registerServiceRoutes(app: TypedApp, deps: RouteDeps): void {
  const { registry } = deps;

  app.get('/v1/services', {
    schema: {
      tags: services,
      summary: 'List services',
      description: 'Services ordered by id, in keyset pages: pass `next` as `after` for the following page. `limit` 1–500 (default 100); `state` filters by top-level state.',
      querystring: ListQuery,
      response: { 200: ServiceListReply, ...errorReplies(400) },
    },
  }, async (request) => {
    const { state, after } = request.query;
    const limit = queryInteger(request.query.limit, 'limit', LIST_LIMIT_RANGE) ?? DEFAULT_LIST_LIMIT;
    const services = registry.list({ limit, ...(state === undefined ? {} : { state }), ...(after === undefined ? {} : { after }) });
    const last = services[services.length - 1];
    // A full page may have more behind it: hand out the cursor. A short page is the end.
    return { services: services.map(serviceToWire), next: services.length === limit && last !== undefined ? last.serviceId : null };
  });

  app.get('/v1/services/:service_id', {
    schema: {
      tags: services,
      summary: 'One service with its live container reading and recent transitions',
      params: ServiceParams,
      response: { 200: ServiceReply, ...errorReplies(400, 404) },
    },
  }, async (request) => {
    const serviceId = request.params.service_id;
    const service = registry.get(serviceId);
    if (service === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    return {
      service: serviceToWire(service),
      ...(await containerField(deps.readContainer, service)),
      transitions: registry.recentTransitions(serviceId, SHOW_TRANSITIONS).map(transitionToWire),
    };
  });

  app.get('/v1/services/:service_id/log', {
    schema: {
      tags: services,
      summary: "The newest lines of a service's log",
      description: 'Installer output and the like, oldest first; `limit` 1–2000 (default 200). The newest 2,000 lines per service are kept.',
      params: ServiceParams,
      querystring: LogQuery,
      response: { 200: LogReply, ...errorReplies(400, 404) },
    },
  }, async (request) => {
    const serviceId = request.params.service_id;
    const limit = queryInteger(request.query.limit, 'limit', LOG_LIMIT_RANGE) ?? DEFAULT_LOG_LIMIT;
    if (registry.get(serviceId) === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    const lines = registry.logTail(serviceId, limit);
    return { service_id: serviceId, lines: lines.map(({ id, at, line }) => ({ id, at, line })) };
  });

  // reinstall: a fresh WordPress; restore: back to the `initial` snapshot. Both 202: the
  // service's actor does the work and the feed shows it.
  for (const type of ['retry', 'suspend', 'unsuspend', 'delete', 'reinstall', 'restore'] as const) {
    app.post(`/v1/services/:service_id/${type}`, {
      schema: { tags: services, ...COMMAND_DOCS[type], params: ServiceParams, response: { 200: LifecycleReply, ...errorReplies(400, 404, 409, 410, 422, 503) } },
    }, async (request) => {
      return lifecycleReply(await executeFor(request, registry, { type, serviceId: request.params.service_id }));
    });
  }

  // Paymenter's upgrade: memory, CPU and disk follow the plan; the domain quota too.
  app.post('/v1/services/:service_id/plan', {
    schema: {
      tags: services,
      summary: "Change a site's plan (Paymenter's upgrade)",
      description:
        'Memory and cores are set and the disk grown to the plan\'s; the domain quota follows. From `active` (checked live afterwards) or `suspended` (it stays down). `plan` in the reply is still the old one; `requested_plan` is the target. Disks only grow: 409 PLAN_TOO_SMALL otherwise.',
      params: ServiceParams,
      body: PlanBody,
      response: { 200: PlanReply, ...errorReplies(400, 404, 409, 410, 413, 415, 422, 503) },
    },
  }, async (request) => {
    const plan = checkPlan(request.body.plan, deps.plans);
    const outcome = await executeFor(request, registry, { type: 'changePlan', serviceId: request.params.service_id, plan });
    return { ...lifecycleReply(outcome), plan: outcome.service.plan, requested_plan: plan };
  });

  app.get('/v1/services/:service_id/domains', {
    schema: {
      tags: domains,
      summary: "A service's custom domains and its quota",
      params: ServiceParams,
      response: { 200: DomainListReply, ...errorReplies(400, 404) },
    },
  }, async (request) => {
    const serviceId = request.params.service_id;
    const service = registry.get(serviceId);
    if (service === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    return { service_id: serviceId, quota: service.domainQuota, domains: service.domains.map(domainToWire) };
  });

  app.post('/v1/services/:service_id/domains/:domain/retry', {
    schema: {
      tags: domains,
      summary: 'Retry a failed custom domain',
      description: 'Resumes the domain at its failed step (a new verification window for ownership). 409 unless the domain is `failed`.',
      params: ServiceDomainParams,
      response: { 202: DomainStateReply, ...errorReplies(400, 404, 409, 410, 422, 503) },
    },
  }, async (request, reply) => {
    const serviceId = request.params.service_id;
    const domain = normaliseDomain(request.params.domain);
    const { service } = await executeFor(request, registry, { type: 'domain.retry', serviceId, domain });
    void reply.code(202);
    const entry = service.domains.find((view) => view.domain === domain);
    return { success: true, service_id: serviceId, domain, state: entry?.state ?? 'removed' };
  });

  app.post('/v1/services/:service_id/domains', {
    schema: {
      tags: domains,
      summary: 'Add a custom domain (as POST /customdomain/add)',
      params: ServiceParams,
      body: DomainBody,
      response: { 202: DomainAddedReply, ...errorReplies(400, 404, 409, 410, 413, 415, 422, 503) },
    },
  }, async (request, reply) => {
    const serviceId = request.params.service_id;
    const domain = normaliseDomain(request.body.domain);
    const outcome = await executeFor(request, registry, { type: 'domain.add', serviceId, domain });
    void reply.code(202);
    return domainAddedReply(outcome, domain);
  });

  app.delete('/v1/services/:service_id/domains/:domain', {
    schema: {
      tags: domains,
      summary: 'Remove a custom domain',
      description: 'Answers 202; the proxy host, certificate and DNS zone are torn down by the domain\'s actor.',
      params: ServiceDomainParams,
      response: { 202: DomainStateReply, ...errorReplies(400, 404, 409, 410, 422, 503) },
    },
  }, async (request, reply) => {
    const serviceId = request.params.service_id;
    const domain = normaliseDomain(request.params.domain);
    const { service } = await executeFor(request, registry, { type: 'domain.remove', serviceId, domain });
    // 202: the proxy host, DNS zone and certificate are torn down by the domain's actor.
    void reply.code(202);
    const remaining = service.domains.find((entry) => entry.domain === domain);
    return { success: true, service_id: service.serviceId, domain, state: remaining?.state ?? 'removed' };
  });
}
