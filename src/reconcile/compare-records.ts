/**
 * Cloudflare: each live service has one A record of ours named after its FQDN, pointing at
 * its public IP. A marked record of a deleted or unknown service, or one of a live service
 * under any other name, is an orphan.
 */
import { orphanReason, type Owners } from './owners.js';
import type { DnsRecordItem, Finding } from './types.js';

const SYSTEM = 'cloudflare';

export function compareRecords(owners: Owners, records: readonly DnsRecordItem[]): Finding[] {
  const findings: Finding[] = [];
  const ofService = new Map<string, DnsRecordItem[]>();
  for (const record of records) {
    const owner = record.owner;
    if (owner === null) continue;
    const standing = owners.standing(owner);
    const resource = `${record.type} record ${record.name}`;
    const orphan = (detail: string): Finding => ({
      kind: 'orphan', system: SYSTEM, resource, serviceId: owner, detail,
      ...(standing.kind === 'unknown' ? {} : { serviceState: standing.service.state }),
      issue: { type: 'record-orphan', owner, id: record.id, name: record.name },
    });
    if (standing.kind === 'unknown' || standing.kind === 'deleted') {
      findings.push(orphan(`${orphanReason(owner, standing)} (→ ${record.content})`));
      continue;
    }
    if (standing.kind !== 'live') continue;
    if (record.type !== 'A' || record.name !== standing.service.fqdn) {
      findings.push(orphan(`carries the marker of service ${owner}, whose site is ${standing.service.fqdn}`));
      continue;
    }
    ofService.set(owner, [...(ofService.get(owner) ?? []), record]);
  }
  for (const service of owners.live()) {
    const ours = ofService.get(service.serviceId) ?? [];
    const resource = `A record ${service.fqdn}`;
    const base = { system: SYSTEM, resource, serviceId: service.serviceId, serviceState: service.state } as const;
    if (ours.length === 0) {
      findings.push({ ...base, kind: 'missing', detail: `no A record of ours for the ${service.state} service`, issue: { type: 'record-missing', fqdn: service.fqdn, publicIp: service.publicIp } });
      continue;
    }
    const elsewhere = ours.filter((record) => record.content !== service.publicIp);
    if (elsewhere.length > 0 || ours.length > 1) {
      const detail = elsewhere.length > 0
        ? `points to ${elsewhere.map((record) => record.content).join(', ')} instead of ${service.publicIp}`
        : `${ours.length} records of ours where one belongs`;
      findings.push({ ...base, kind: 'drift', detail, issue: { type: 'record-content', fqdn: service.fqdn, publicIp: service.publicIp } });
    }
  }
  return findings;
}
