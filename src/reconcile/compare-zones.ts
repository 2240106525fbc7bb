/**
 * ISPConfig: each active custom domain of a live service has a zone of ours whose A records
 * (the domain itself, and `www` where present) point at the service's public IP. A marked
 * zone (or a marker row whose zone is gone) of a deleted or unknown service, or of a domain
 * the live service no longer has, is an orphan. Domains still being set up or removed are
 * their actor's business.
 */
import { orphanReason, type Owners } from './owners.js';
import type { Finding, ZoneItem } from './types.js';

const SYSTEM = 'ispconfig';

export function compareZones(owners: Owners, zones: readonly ZoneItem[]): Finding[] {
  const findings: Finding[] = [];
  const present = new Set<string>();
  for (const zone of zones) {
    const owner = zone.owner;
    if (owner === null) continue;
    const standing = owners.standing(owner);
    const resource = zone.zoneId === null ? `marker of zone ${zone.domain} (zone gone)` : `zone ${zone.domain}`;
    const orphan = (detail: string): Finding => ({
      kind: 'orphan', system: SYSTEM, resource, serviceId: owner, detail,
      ...(standing.kind === 'unknown' ? {} : { serviceState: standing.service.state }),
      issue: { type: 'zone-orphan', owner, domain: zone.domain },
    });
    if (standing.kind === 'unknown' || standing.kind === 'deleted') {
      findings.push(orphan(orphanReason(owner, standing)));
      continue;
    }
    if (standing.kind !== 'live') continue;
    const { service } = standing;
    const domain = service.domains.find((d) => d.domain === zone.domain);
    if (domain === undefined) {
      findings.push(orphan(`carries the marker of service ${owner}, which has no custom domain ${zone.domain}`));
      continue;
    }
    if (domain.state !== 'active' || zone.zoneId === null) continue;
    present.add(`${owner} ${zone.domain}`);
    const apex = zone.aRecords.filter((r) => r.name === zone.domain);
    const wrong = zone.aRecords.filter((r) => (r.name === zone.domain || r.name === `www.${zone.domain}`) && r.data !== service.publicIp);
    if (apex.length === 0 || wrong.length > 0) {
      const detail = wrong.length > 0
        ? wrong.map((r) => `${r.name} → ${r.data}`).join(', ') + ` instead of ${service.publicIp}`
        : `no A record for ${zone.domain}`;
      findings.push({
        kind: 'drift', system: SYSTEM, resource, serviceId: owner, serviceState: service.state, detail,
        issue: { type: 'zone-records', domain: zone.domain, publicIp: service.publicIp, privateIp: service.privateIp },
      });
    }
  }
  for (const service of owners.live()) {
    for (const domain of service.domains) {
      if (domain.state !== 'active' || present.has(`${service.serviceId} ${domain.domain}`)) continue;
      findings.push({
        kind: 'missing', system: SYSTEM, resource: `zone ${domain.domain}`, serviceId: service.serviceId, serviceState: service.state,
        detail: `no zone of ours for the active custom domain`,
        issue: { type: 'zone-missing', domain: domain.domain, publicIp: service.publicIp, privateIp: service.privateIp },
      });
    }
  }
  return findings;
}
