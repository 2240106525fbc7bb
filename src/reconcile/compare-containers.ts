/**
 * Proxmox: each live service has its container at its VMID, running while `active` and
 * stopped while `suspended`. A marked container of a deleted or unknown service is an orphan;
 * one marked for a live service at another VMID is a stray copy (reported, never repaired by
 * itself: a container holds data, and nothing proves which copy the customer's is).
 */
import { orphanReason, type Owners } from './owners.js';
import type { ContainerItem, Finding } from './types.js';

const SYSTEM = 'proxmox';

export function compareContainers(owners: Owners, containers: readonly ContainerItem[]): Finding[] {
  const findings: Finding[] = [];
  const held = new Set<string>();
  for (const ct of containers) {
    if (ct.owner === null) continue;
    const standing = owners.standing(ct.owner);
    const resource = `container ${ct.vmid}`;
    if (standing.kind === 'unknown' || standing.kind === 'deleted') {
      findings.push({
        kind: 'orphan', system: SYSTEM, resource, serviceId: ct.owner, detail: `${orphanReason(ct.owner, standing)} (${ct.status} on ${ct.node})`,
        ...(standing.kind === 'deleted' ? { serviceState: standing.service.state } : {}),
        issue: { type: 'container-orphan', owner: ct.owner, vmid: ct.vmid },
      });
      continue;
    }
    if (standing.kind !== 'live') continue;
    const { service } = standing;
    if (ct.vmid !== service.vmid) {
      findings.push({
        kind: 'orphan', system: SYSTEM, resource, serviceId: ct.owner, serviceState: service.state,
        detail: `carries the marker of service ${ct.owner}, whose container is VMID ${service.vmid}: a stray copy, left for an operator`,
        issue: { type: 'container-stray', owner: ct.owner, vmid: ct.vmid },
      });
      continue;
    }
    held.add(service.serviceId);
    const want = service.state === 'active' ? 'running' : 'stopped';
    // Only the two settled readings are judged: `unknown` (a lagging metric) proves nothing.
    const wrong = want === 'running' ? ct.status === 'stopped' : ct.status === 'running';
    if (wrong) {
      findings.push({
        kind: 'drift', system: SYSTEM, resource, serviceId: service.serviceId, serviceState: service.state,
        detail: `${ct.status} while the service is ${service.state}`,
        issue: { type: 'container-power', vmid: ct.vmid, want },
      });
    }
  }
  for (const service of owners.live()) {
    if (held.has(service.serviceId)) continue;
    const other = containers.find((ct) => ct.vmid === service.vmid);
    const why = other === undefined ? 'no container has this VMID' : other.owner === null ? 'VMID held by a container without our marker' : `VMID held by a container marked for service ${other.owner}`;
    findings.push({
      kind: 'missing', system: SYSTEM, resource: `container ${service.vmid}`, serviceId: service.serviceId, serviceState: service.state,
      detail: `the ${service.state} service has no container: ${why}`,
      issue: { type: 'container-missing', vmid: service.vmid },
    });
  }
  return findings;
}
