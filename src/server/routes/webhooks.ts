/**
 * The seed's endpoints, kept byte-compatible for the existing Paymenter extension
 * (reference/paymenter/NOTES.md §9). Each one records a command and answers at once; the
 * long work happens in the service's actor.
 */
import { AppError } from '../../errors.js';
import { domainAddedReply, executeFor, lifecycleReply, type RouteDeps, type TypedApp } from '../commands.js';
import { checkEmail, checkPlan, checkPublicIp, normaliseDomain, queryInteger, serviceIdOf } from '../fields.js';
import { containerField } from '../container-reading.js';
import { CreateSiteBody, CreateSiteQuery, CustomDomainBody, ServiceIdBody, StatusQuery, WAIT_RANGE } from '../schemas.js';
import { isSettled, type SettleWaiters } from '../settle.js';
import { serviceToWire, transitionToWire } from '../wire.js';

const STATUS_TRANSITIONS = 20;

export function registerWebhookRoutes(app: TypedApp, deps: RouteDeps, waiters: SettleWaiters): void {
  const { registry, plans } = deps;

  app.post('/create-site', { schema: { body: CreateSiteBody, querystring: CreateSiteQuery } }, async (request, reply) => {
    const { body } = request;
    // Every check before the command: a refused request must create nothing.
    const wait = queryInteger(request.query.wait, 'wait', WAIT_RANGE) ?? 0;
    const serviceId = serviceIdOf(body.service_id);
    const email = checkEmail(body.email);
    const publicIp = checkPublicIp(body.public_ip);
    const plan = checkPlan(body.plan, plans);
    const outcome = executeFor(request, registry, { type: 'create', serviceId, email, plan, publicIp });
    let service = outcome.service;
    if (wait > 0) {
      const gone = new AbortController();
      request.raw.once('close', () => gone.abort());
      service = (await waiters.wait(serviceId, wait * 1000, gone.signal)) ?? service;
      if (service.state === 'failed' && service.failure !== null) {
        const { step, code, message } = service.failure;
        throw new AppError('PROVISIONING_FAILED', `provisioning failed at ${step}: ${code}: ${message}`, {
          details: { service_id: service.serviceId, state: service.state, failure: { step, code, message } },
        });
      }
      // Still working when the wait ran out: accepted, not done.
      if (!isSettled(service)) void reply.code(202);
    }
    // 201 only for the call that created it: a repeat (Paymenter retries, admin re-runs) is a 200.
    if (reply.statusCode !== 202) void reply.code(outcome.created ? 201 : 200);
    return {
      success: true,
      service_id: service.serviceId,
      state: service.state,
      vmid: service.vmid,
      private_ip: service.privateIp,
      subdomain: service.subdomain,
    };
  });

  const lifecycle = [
    ['/suspend', 'suspend'],
    ['/unsuspend', 'unsuspend'],
    ['/delete-site', 'delete'],
  ] as const;
  for (const [path, type] of lifecycle) {
    app.post(path, { schema: { body: ServiceIdBody } }, async (request) => {
      const serviceId = serviceIdOf(request.body.service_id);
      return lifecycleReply(executeFor(request, registry, { type, serviceId }));
    });
  }

  app.post('/customdomain/add', { schema: { body: CustomDomainBody } }, async (request, reply) => {
    const serviceId = serviceIdOf(request.body.service_id);
    const domain = normaliseDomain(request.body.domain);
    const outcome = executeFor(request, registry, { type: 'domain.add', serviceId, domain });
    // 202: verification and certificates take minutes; the reply says what to publish meanwhile.
    void reply.code(202);
    return domainAddedReply(outcome, domain);
  });

  app.get('/status', { schema: { querystring: StatusQuery } }, async (request) => {
    const serviceId = request.query.service_id;
    const service = registry.get(serviceId);
    if (service === undefined) throw new AppError('NOT_FOUND', `no service ${serviceId}`, { field: 'service_id' });
    return {
      success: true,
      service: serviceToWire(service),
      ...(await containerField(deps.readContainer, service)),
      transitions: registry.recentTransitions(serviceId, STATUS_TRANSITIONS).map(transitionToWire),
    };
  });
}
