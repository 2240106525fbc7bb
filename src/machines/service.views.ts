/**
 * Pure readings of a service's context and state value, shared by the machine's inputs and
 * by the registry's views. No I/O.
 */
import type { ServiceContext } from './service.types.js';

export interface Site {
  readonly vmid: number;
  readonly privateIp: string;
  readonly fqdn: string;
}

/**
 * The allocated site. Invokes that need it only run after allocation, so a missing
 * allocation here is a bug in the statechart, and it fails loudly.
 */
export function siteOf(context: Pick<ServiceContext, 'allocation' | 'baseDomain'>): Site {
  const allocation = context.allocation;
  if (allocation === null) throw new Error('the service has no allocation yet');
  return { vmid: allocation.vmid, privateIp: allocation.privateIp, fqdn: `${allocation.subdomain}.${context.baseDomain}` };
}

export function containerOf(context: Pick<ServiceContext, 'allocation' | 'baseDomain' | 'serviceId'>): { serviceId: string; vmid: number } {
  return { serviceId: context.serviceId, vmid: siteOf(context).vmid };
}

const DOMAIN_CHILD_PREFIX = 'domain:';

/** The persisted child-actor id of a custom domain. */
export function domainChildId(domain: string): string {
  return `${DOMAIN_CHILD_PREFIX}${domain}`;
}

/** The domain named by an `xstate.snapshot.domain:<name>` event type, or null. */
export function domainFromChildId(eventType: string): string | null {
  const prefix = `xstate.snapshot.${DOMAIN_CHILD_PREFIX}`;
  return eventType.startsWith(prefix) ? eventType.slice(prefix.length) : null;
}

/**
 * The domain named by an `xstate.done.actor.domain:<name>` event type, or null. A child
 * that reaches its final state is announced by this event only: syncSnapshot relays
 * active snapshots, never the done one.
 */
export function domainFromDoneEvent(eventType: string): string | null {
  const prefix = `xstate.done.actor.${DOMAIN_CHILD_PREFIX}`;
  return eventType.startsWith(prefix) ? eventType.slice(prefix.length) : null;
}

/** "provisioning.building.site.install.running" for a nested state value. */
export function statePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [prefix + value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
    const inner = statePaths(child, `${prefix}${key}.`);
    return inner.length === 0 ? [prefix + key] : inner;
  });
}

/** The top-level state name of a state value. */
export function topState(value: unknown): string {
  if (typeof value === 'string') return value;
  return Object.keys(value as object)[0] ?? 'unknown';
}

/** All active leaf paths joined by "|", e.g. parallel regions "a.b|a.c"; null at top level. */
export function stepOf(value: unknown): string | null {
  if (typeof value === 'string') return null;
  return statePaths(value).join('|');
}
