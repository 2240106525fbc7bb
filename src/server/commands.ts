/**
 * What the webhook routes and the resource routes share: the typed app they register on,
 * their dependencies, and the reply shapes of commands (both APIs answer commands alike).
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Command, CommandOutcome, ServiceRegistry } from '../actors/registry.types.js';
import type { ReadContainer } from './container-reading.js';
import { idempotencyKeyOf } from './fields.js';
import { domainToWire } from './wire.js';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface RouteDeps {
  readonly registry: ServiceRegistry;
  /** Plan names from configuration, checked before the registry so the error can list them. */
  readonly plans: readonly string[];
  /** Live container status and usage for status replies; without it they carry none. */
  readonly readContainer?: ReadContainer;
}

/** Runs a command with the request's Idempotency-Key, if it sent one; resolves once it is committed. */
export async function executeFor(request: FastifyRequest, registry: ServiceRegistry, command: Command): Promise<CommandOutcome> {
  const idempotencyKey = idempotencyKeyOf(request.headers);
  const outcome = registry.execute(command, idempotencyKey === undefined ? {} : { idempotencyKey });
  // An accepted order is answered only once it is on disk.
  await registry.committed();
  return outcome;
}

export function lifecycleReply(outcome: CommandOutcome) {
  return { success: true, service_id: outcome.service.serviceId, state: outcome.service.state };
}

/** The reply to an added domain: the TXT record the customer must publish. */
export function domainAddedReply(outcome: CommandOutcome, domain: string) {
  const view = outcome.service.domains.find((entry) => entry.domain === domain);
  if (view === undefined) {
    // A repeated delivery (same Idempotency-Key) is answered with the service as it is now: the
    // domain, and its TXT record, may have been removed since the first one (or the service
    // deleted). The first answer's status stands; there is no record left to publish.
    return { success: true, service_id: outcome.service.serviceId, domain, state: 'removed', verification: null, verify_until: null };
  }
  const wire = domainToWire(view);
  return {
    success: true,
    service_id: outcome.service.serviceId,
    domain: wire.domain,
    state: wire.state,
    verification: wire.verification,
    verify_until: wire.verify_until,
  };
}
