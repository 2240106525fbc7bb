/**
 * Services in each busy top-level state, counted from the registry when Prometheus scrapes.
 * Reading at scrape time (rather than keeping a tally from transitions) stays right across
 * restarts: a restored service publishes nothing until its next transition. Busy services are
 * few, and the services table is indexed by state, so a scrape costs a handful of small reads.
 */
import type { ServiceRegistry } from '../actors/registry.types.js';

/**
 * `pending` (recorded, not yet started) and the states the service machine tags `busy`;
 * test/operations/metrics-units.test.ts checks this list against the machine.
 */
export const BUSY_STATES = ['pending', 'allocating', 'provisioning', 'compensating', 'reinstalling', 'restoring', 'resizing', 'suspending', 'resuming', 'deleting'] as const;

const PAGE = 500;

function countInState(registry: Pick<ServiceRegistry, 'list'>, state: string): number {
  let count = 0;
  let after: string | undefined;
  for (;;) {
    const page = registry.list({ state, limit: PAGE, ...(after === undefined ? {} : { after }) });
    count += page.length;
    if (page.length < PAGE) return count;
    after = page[page.length - 1]?.serviceId;
  }
}

/** Every busy state with its count (zeros included, so each series exists from the start). */
export function servicesInFlight(registry: Pick<ServiceRegistry, 'list'>): Record<string, number> {
  return Object.fromEntries(BUSY_STATES.map((state) => [state, countInState(registry, state)]));
}
