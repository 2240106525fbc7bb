/**
 * Owned services + inventories → findings. Pure: the same data always gives the same findings,
 * in a stable order (busy services first, then system by system, then by resource).
 *
 * - busy: a service mid-lifecycle; its actor owns its resources, so none of them is judged.
 * - orphan: a resource carrying our marker whose owner is not in the database or is deleted
 *   (or a live owner's resource it has no use for).
 * - missing: a live (active or suspended) service's resource is absent.
 * - drift: it exists but differs from what the database says.
 * A system that could not be read (absent from the inventory) produces no findings at all:
 * absence of evidence is not a missing resource.
 */
import { compareContainers } from './compare-containers.js';
import { compareProxyHosts } from './compare-proxy-hosts.js';
import { compareRecords } from './compare-records.js';
import { compareZones } from './compare-zones.js';
import { Owners } from './owners.js';
import type { Expectations, Finding, Inventory, OwnedService } from './types.js';

export interface CompareInput {
  readonly services: readonly OwnedService[];
  readonly inventory: Inventory;
  readonly expect: Expectations;
}

const KIND_ORDER = ['busy', 'orphan', 'missing', 'drift'];
const SYSTEM_ORDER = ['provisiond', 'proxmox', 'cloudflare', 'npm', 'ispconfig'];

export function compare({ services, inventory, expect }: CompareInput): Finding[] {
  const owners = new Owners(services);
  const busy: Finding[] = [];
  for (const service of services) {
    if (owners.standing(service.serviceId).kind !== 'busy') continue;
    busy.push({
      kind: 'busy', system: 'provisiond', resource: `service ${service.serviceId}`, serviceId: service.serviceId, serviceState: service.state,
      detail: `${service.step ?? service.state}: its actor owns its resources right now; skipped`,
    });
  }
  const findings = [
    ...busy,
    ...(inventory.proxmox === undefined ? [] : compareContainers(owners, inventory.proxmox)),
    ...(inventory.cloudflare === undefined ? [] : compareRecords(owners, inventory.cloudflare)),
    ...(inventory.npm === undefined ? [] : compareProxyHosts(owners, inventory.npm, expect)),
    ...(inventory.ispconfig === undefined ? [] : compareZones(owners, inventory.ispconfig)),
  ];
  return findings.sort(
    (a, b) =>
      SYSTEM_ORDER.indexOf(a.system) - SYSTEM_ORDER.indexOf(b.system) ||
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.resource.localeCompare(b.resource) ||
      a.serviceId.localeCompare(b.serviceId),
  );
}
