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
import { CreateSiteReply, DomainAddedReply, errorReplies, LifecycleReply, StatusReply } from '../reply-schemas.js';
import { isSettled, type SettleWaiters } from '../settle.js';
import { serviceToWire, transitionToWire } from '../wire.js';

const STATUS_TRANSITIONS = 20;

const tags = ['paymenter'];

const LIFECYCLE_DOCS = {
  suspend: {
    summary: 'Suspend a site',
    description: 'Desired state: the container is shut down (gracefully, then by force) and kept. A suspend during provisioning or another busy phase is applied when it ends; the latest request wins. Suspending a suspended site is a success.',
  },
  unsuspend: {
    summary: 'Unsuspend a site',
    description: 'Desired state: the container is started and the reply comes at once; the service is `active` again once the site answers.',
  },
  delete: {
    summary: 'Delete a site',
    description: 'Accepted in every state (work in flight is cancelled): container, HA, snapshots, DNS record, proxy host and custom domains are removed and the allocation is released. The record stays for audit. Deleting a deleted service is a success.',
  },
} as const;

export function registerWebhookRoutes(app: TypedApp, deps: RouteDeps, waiters: SettleWaiters): void {
  const { registry, plans } = deps;

  app.post('/create-site', {
    schema: {
      tags,
      summary: 'Create a site (idempotent on service_id)',
      description:
        'Allocates a subdomain, private IP and VMID in one transaction and answers; the site is built in the background (watch `/status` or the feed). A repeat returns the same service (200) and never builds a second one. With `?wait=N` (N ≤ 110 s, under Paymenter\'s 120 s job limit) the reply is held until the service is `active` (201/200), `failed` (502) or N seconds pass (202, the work goes on).',
      body: CreateSiteBody,
      querystring: CreateSiteQuery,
      response: {
        200: { ...CreateSiteReply, description: 'the service already existed' },
        201: { ...CreateSiteReply, description: 'created by this request' },
        202: { ...CreateSiteReply, description: 'only with `wait`: still working when the wait ran out' },
        ...errorReplies(400, 410, 413, 415, 422, 502, 503),
      },
    },
  }, async (request, reply) => {
    const { body } = request;
    // Every check before the command: a refused request must create nothing.
    const wait = queryInteger(request.query.wait, 'wait', WAIT_RANGE) ?? 0;
    const serviceId = serviceIdOf(body.service_id);
    const email = checkEmail(body.email);
    const publicIp = checkPublicIp(body.public_ip);
    const plan = checkPlan(body.plan, plans);
    const outcome = await executeFor(request, registry, { type: 'create', serviceId, email, plan, publicIp });
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
    app.post(path, {
      schema: { tags, ...LIFECYCLE_DOCS[type], body: ServiceIdBody, response: { 200: LifecycleReply, ...errorReplies(400, 404, 409, 410, 413, 415, 422, 503) } },
    }, async (request) => {
      const serviceId = serviceIdOf(request.body.service_id);
      return lifecycleReply(await executeFor(request, registry, { type, serviceId }));
    });
  }

  app.post('/customdomain/add', {
    schema: {
      tags,
      summary: 'Add a custom domain',
      description:
        'Answers 202 with the TXT record that proves ownership; verification keeps looking until `verify_until`, then the DNS zone, certificate and proxy host follow. Counts against the plan\'s domain quota.',
      body: CustomDomainBody,
      response: { 202: DomainAddedReply, ...errorReplies(400, 404, 409, 410, 413, 415, 422, 503) },
    },
  }, async (request, reply) => {
    const serviceId = serviceIdOf(request.body.service_id);
    const domain = normaliseDomain(request.body.domain);
    const outcome = await executeFor(request, registry, { type: 'domain.add', serviceId, domain });
    // 202: verification and certificates take minutes; the reply says what to publish meanwhile.
    void reply.code(202);
    return domainAddedReply(outcome, domain);
  });

  app.get('/status', {
    schema: {
      tags,
      summary: 'A service, its live container reading and its last 20 transitions',
      description:
        '`container` is read from Proxmox with a 3 s limit; when it does not answer, `container` is null and `container_error` says why.',
      querystring: StatusQuery,
      response: { 200: StatusReply, ...errorReplies(400, 404) },
    },
  }, async (request) => {
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
