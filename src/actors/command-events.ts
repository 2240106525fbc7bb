/**
 * The rules that turn a command on a live service into a machine event, or refuse it with an
 * error a client can act on. Pure apart from the two lookups it is handed.
 */
import { AppError } from '../errors.js';
import type { ServiceEvent } from '../machines/service.types.js';
import { topState } from '../machines/service.views.js';
import type { ServiceSnapshot } from './live-service.js';
import type { Command } from './registry.types.js';

export interface EventLookups {
  /** The live owner of a custom domain, if any. */
  readonly domainOwner: (domain: string) => string | undefined;
  /** A fresh ownership-proof token for a new custom domain. */
  readonly newToken: () => string;
}

type ServiceCommand = Exclude<Command, { type: 'create' }>;

/** The event for `command`, or null when the command is already satisfied. */
export function eventFor(command: ServiceCommand, snapshot: ServiceSnapshot, lookups: EventLookups): ServiceEvent | null {
  switch (command.type) {
    case 'suspend':
    case 'unsuspend':
    case 'delete':
    case 'retry':
      return { type: command.type };
    case 'domain.add':
      return domainAddEvent(command, snapshot, lookups);
    case 'domain.remove':
      if (!(command.domain in snapshot.context.domains)) {
        throw new AppError('NOT_FOUND', `service ${command.serviceId} has no custom domain "${command.domain}"`, { field: 'domain' });
      }
      return { type: 'domain.remove', domain: command.domain };
  }
}

function domainAddEvent(command: Extract<Command, { type: 'domain.add' }>, snapshot: ServiceSnapshot, lookups: EventLookups): ServiceEvent | null {
  const { context } = snapshot;
  if (command.domain in context.domains) return null;
  const owner = lookups.domainOwner(command.domain);
  if (owner !== undefined && owner !== command.serviceId) {
    throw new AppError('DOMAIN_TAKEN', `the domain "${command.domain}" is attached to another service`, { field: 'domain' });
  }
  const state = topState(snapshot.value);
  // The quota is the machine's guard too; checking it here lets the answer say which quota.
  if ((state === 'active' || state === 'suspended') && Object.keys(context.domains).length >= context.domainQuota) {
    throw new AppError('DOMAIN_QUOTA_EXCEEDED', `the ${context.plan} plan allows ${context.domainQuota} custom domains`, {
      field: 'domain',
      details: { quota: context.domainQuota },
    });
  }
  return { type: 'domain.add', domain: command.domain, token: lookups.newToken() };
}

/** The refusal for a command the current state does not accept. */
export function stateConflict(command: Command, snapshot: ServiceSnapshot): AppError {
  const state = topState(snapshot.value);
  return new AppError('STATE_CONFLICT', `service ${command.serviceId} is ${state}: ${command.type} is not possible now`, { details: { state } });
}
