/**
 * The rules that turn a command on a live service into a machine event, or refuse it with an
 * error a client can act on. Pure apart from the two lookups it is handed.
 */
import type { Plan } from '../domain/plans.js';
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
  /** A configured plan by name. */
  readonly plan: (name: string) => Plan | undefined;
  /** When a domain added now stops waiting for its ownership proof (epoch ms). */
  readonly verifyUntil: () => number;
}

type ServiceCommand = Exclude<Command, { type: 'create' }>;

/** The event for `command`, or null when the command is already satisfied. */
export function eventFor(command: ServiceCommand, snapshot: ServiceSnapshot, lookups: EventLookups): ServiceEvent | null {
  switch (command.type) {
    case 'suspend':
    case 'unsuspend':
    case 'delete':
    case 'retry':
    case 'reinstall':
      return { type: command.type };
    case 'restore':
      if (snapshot.context.initialSnapshot !== true) {
        throw new AppError('SNAPSHOT_MISSING', `service ${command.serviceId} has no initial snapshot to restore`, { details: { state: topState(snapshot.value) } });
      }
      return { type: 'restore' };
    case 'changePlan':
      return planChangeEvent(command, snapshot, lookups);
    case 'domain.add':
      return domainAddEvent(command, snapshot, lookups);
    case 'domain.retry':
      return domainRetryEvent(command, snapshot);
    case 'domain.remove':
      if (!(command.domain in snapshot.context.domains)) {
        throw new AppError('NOT_FOUND', `service ${command.serviceId} has no custom domain "${command.domain}"`, { field: 'domain' });
      }
      return { type: 'domain.remove', domain: command.domain };
  }
}

/**
 * Paymenter's upgrade. Refused up front when the container could not take the new plan: a
 * disk cannot shrink, and attached domains are never dropped to fit a smaller quota.
 */
function planChangeEvent(command: Extract<Command, { type: 'changePlan' }>, snapshot: ServiceSnapshot, lookups: EventLookups): ServiceEvent | null {
  const plan = lookups.plan(command.plan);
  if (plan === undefined) throw new AppError('UNKNOWN_PLAN', `plan: unknown plan "${command.plan}"`, { field: 'plan' });
  const { context } = snapshot;
  const pending = context.planChange ?? null;
  if (plan.name === (pending?.plan ?? context.plan)) return null;
  if (plan.diskGb < context.resources.diskGb) {
    throw new AppError('PLAN_TOO_SMALL', `plan: the ${plan.name} plan has a ${plan.diskGb} GB disk; this site already has ${context.resources.diskGb} GB and a disk cannot shrink`, {
      field: 'plan',
      details: { disk_gb: context.resources.diskGb },
    });
  }
  const attached = Object.keys(context.domains).length;
  if (attached > plan.domainQuota) {
    throw new AppError('PLAN_TOO_SMALL', `plan: the ${plan.name} plan allows ${plan.domainQuota} custom domains; this site has ${attached}: remove some first`, {
      field: 'plan',
      details: { domains: attached, quota: plan.domainQuota },
    });
  }
  return {
    type: 'changePlan',
    plan: plan.name,
    resources: { memoryMb: plan.memoryMb, diskGb: plan.diskGb, cores: plan.cores },
    domainQuota: plan.domainQuota,
  };
}

function domainRetryEvent(command: Extract<Command, { type: 'domain.retry' }>, snapshot: ServiceSnapshot): ServiceEvent {
  const entry = snapshot.context.domains[command.domain];
  if (entry === undefined) throw new AppError('NOT_FOUND', `service ${command.serviceId} has no custom domain "${command.domain}"`, { field: 'domain' });
  if (entry.state !== 'failed') {
    throw new AppError('STATE_CONFLICT', `the domain "${command.domain}" is ${entry.state}: only a failed domain can be retried`, { field: 'domain', details: { state: entry.state } });
  }
  return { type: 'domain.retry', domain: command.domain };
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
  return { type: 'domain.add', domain: command.domain, token: lookups.newToken(), verifyUntil: lookups.verifyUntil() };
}

/** The refusal for a command the current state does not accept. */
export function stateConflict(command: Command, snapshot: ServiceSnapshot): AppError {
  const state = topState(snapshot.value);
  return new AppError('STATE_CONFLICT', `service ${command.serviceId} is ${state}: ${command.type} is not possible now`, { details: { state } });
}
