/**
 * How a marker's service id relates to the database: nobody (not recorded), deleted, busy
 * (its actor is working on it now), failed (parked for an operator), or live (active or
 * suspended: the only states whose resources the reconciler judges and repairs).
 */
import { SETTLED_STATES, type OwnedService } from './types.js';

export type Standing =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'deleted'; readonly service: OwnedService }
  | { readonly kind: 'busy'; readonly service: OwnedService }
  | { readonly kind: 'failed'; readonly service: OwnedService }
  | { readonly kind: 'live'; readonly service: OwnedService };

export class Owners {
  private readonly byId: ReadonlyMap<string, OwnedService>;

  constructor(readonly services: readonly OwnedService[]) {
    this.byId = new Map(services.map((service) => [service.serviceId, service]));
  }

  standing(serviceId: string): Standing {
    const service = this.byId.get(serviceId);
    if (service === undefined) return { kind: 'unknown' };
    if (service.state === 'deleted') return { kind: 'deleted', service };
    if (service.state === 'failed') return { kind: 'failed', service };
    if (!SETTLED_STATES.includes(service.state)) return { kind: 'busy', service };
    return { kind: 'live', service };
  }

  /** Active and suspended services: those whose resources must exist and match. */
  live(): OwnedService[] {
    return this.services.filter((service) => this.standing(service.serviceId).kind === 'live');
  }
}

/** Why a marked resource is an orphan, in words. */
export function orphanReason(owner: string, standing: Standing): string {
  return standing.kind === 'deleted' ? `carries the marker of service ${owner}, which is deleted` : `carries the marker of service ${owner}, which is not in the database`;
}

/** Names compare in lower case without a trailing dot. */
export const bareName = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');
