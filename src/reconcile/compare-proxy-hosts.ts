/**
 * Nginx Proxy Manager: each live service has a host of ours for its FQDN and one for each
 * active custom domain, each serving exactly that name and forwarding to the container's
 * private IP and site port. A marked host whose names were changed is drift and is paired
 * with a name that has no host; one left over after that (or of a deleted or unknown
 * service) is an orphan. Hosts for custom domains still being set up or removed are the
 * domain's business and are not judged.
 */
import { orphanReason, type Owners } from './owners.js';
import type { Expectations, Finding, HostSite, OwnedService, ProxyHostItem } from './types.js';

const SYSTEM = 'npm';

const describe = (host: ProxyHostItem): string => `proxy host ${host.id} (${host.domainNames.join(', ')})`;

/** The names a live service's hosts must serve. */
function sitesOf(service: OwnedService): HostSite[] {
  const { privateIp, publicIp } = service;
  return [
    { name: service.fqdn, customDomain: false, privateIp, publicIp },
    ...service.domains.filter((d) => d.state === 'active').map((d) => ({ name: d.domain, customDomain: true, privateIp, publicIp })),
  ];
}

export function compareProxyHosts(owners: Owners, hosts: readonly ProxyHostItem[], expect: Expectations): Finding[] {
  const findings: Finding[] = [];
  const matched = new Map<string, Map<string, ProxyHostItem>>();
  const unmatched = new Map<string, ProxyHostItem[]>();
  for (const host of hosts) {
    const owner = host.owner;
    if (owner === null) continue;
    const standing = owners.standing(owner);
    if (standing.kind === 'unknown' || standing.kind === 'deleted') {
      findings.push({
        kind: 'orphan', system: SYSTEM, resource: describe(host), serviceId: owner, detail: `${orphanReason(owner, standing)} (→ ${host.forwardHost}:${host.forwardPort})`,
        ...(standing.kind === 'deleted' ? { serviceState: standing.service.state } : {}),
        issue: { type: 'host-orphan', owner, id: host.id, domain: host.domainNames[0] ?? '' },
      });
      continue;
    }
    if (standing.kind !== 'live') continue;
    const known = new Set([standing.service.fqdn, ...standing.service.domains.map((d) => d.domain)]);
    const [only] = host.domainNames;
    if (host.domainNames.length === 1 && only !== undefined && known.has(only)) {
      const byName = matched.get(owner) ?? new Map<string, ProxyHostItem>();
      byName.set(only, host);
      matched.set(owner, byName);
    } else {
      unmatched.set(owner, [...(unmatched.get(owner) ?? []), host]);
    }
  }

  for (const service of owners.live()) {
    const base = { system: SYSTEM, serviceId: service.serviceId, serviceState: service.state } as const;
    const spare = unmatched.get(service.serviceId) ?? [];
    for (const site of sitesOf(service)) {
      const host = matched.get(service.serviceId)?.get(site.name);
      if (host !== undefined) {
        if (host.forwardHost !== site.privateIp || host.forwardPort !== expect.sitePort) {
          findings.push({
            ...base, kind: 'drift', resource: describe(host),
            detail: `forwards to ${host.forwardHost}:${host.forwardPort} instead of ${site.privateIp}:${expect.sitePort}`,
            issue: { type: 'host-forward', site },
          });
        }
        continue;
      }
      // A host of ours whose names were changed: the one that still mentions the name, else any.
      const index = Math.max(0, spare.findIndex((h) => h.domainNames.includes(site.name)));
      const renamed = spare[index];
      if (renamed !== undefined) {
        spare.splice(index, 1);
        findings.push({
          ...base, kind: 'drift', resource: describe(renamed),
          detail: `serves ${renamed.domainNames.join(', ')} instead of ${site.name}`,
          issue: { type: 'host-names', id: renamed.id, site },
        });
        continue;
      }
      findings.push({
        ...base, kind: 'missing', resource: `proxy host for ${site.name}`,
        detail: `no proxy host of ours serves ${site.customDomain ? 'the custom domain' : 'the site'} of the ${service.state} service`,
        issue: { type: 'host-missing', site },
      });
    }
    // A custom domain being set up or removed may hold a host of its own: its actor's business.
    const settling = new Set(service.domains.filter((d) => d.state !== 'active').map((d) => d.domain));
    for (const host of spare) {
      if (host.domainNames.some((name) => settling.has(name))) continue;
      findings.push({
        ...base, kind: 'orphan', resource: describe(host),
        detail: `carries the marker of service ${service.serviceId}, which needs no host for these names`,
        issue: { type: 'host-orphan', owner: service.serviceId, id: host.id, domain: host.domainNames[0] ?? '' },
      });
    }
  }
  return findings;
}
