/**
 * The registry speaks camelCase views; the wire speaks snake_case, as the Paymenter extension
 * and the seed did. These mappers are the only place the two spellings meet. Times stay
 * milliseconds since the epoch, as the registry reports them.
 */
import type { DomainView, FailureView, ServiceView, TransitionView } from '../actors/registry.types.js';

export function domainToWire(domain: DomainView) {
  return {
    domain: domain.domain,
    state: domain.state,
    verification: { type: domain.verification.type, name: domain.verification.name, value: domain.verification.value },
    verify_until: domain.verifyUntil,
    error: domain.error === null ? null : { code: domain.error.code, message: domain.error.message },
  };
}

function failureToWire(failure: FailureView) {
  return { phase: failure.phase, step: failure.step, code: failure.code, message: failure.message, at: failure.at };
}

export function serviceToWire(service: ServiceView) {
  return {
    service_id: service.serviceId,
    email: service.email,
    plan: service.plan,
    public_ip: service.publicIp,
    vmid: service.vmid,
    private_ip: service.privateIp,
    subdomain: service.subdomain,
    fqdn: service.fqdn,
    state: service.state,
    step: service.step,
    busy: service.busy,
    healthy: service.healthy,
    desired: service.desired,
    failure: service.failure === null ? null : failureToWire(service.failure),
    last_error: service.lastError,
    compensation_errors: service.compensationErrors.map(({ step, code, message }) => ({ step, code, message })),
    initial_snapshot: service.initialSnapshot,
    domains: service.domains.map(domainToWire),
    domain_quota: service.domainQuota,
    created_at: service.createdAt,
    updated_at: service.updatedAt,
  };
}

export function transitionToWire(transition: TransitionView) {
  return {
    seq: transition.seq,
    service_id: transition.serviceId,
    from: transition.from,
    to: transition.to,
    event: transition.event,
    step: transition.step,
    error: transition.error === null ? null : { code: transition.error.code, message: transition.error.message },
    at: transition.at,
  };
}
