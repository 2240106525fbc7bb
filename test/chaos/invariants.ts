/**
 * What must hold at the end of a chaos run, once every service has settled, compared between
 * the daemon's word (GET /v1/services) and what the simulated systems hold:
 * - every service rests in the state its script intended, its custom domain active if it kept one;
 * - each live service has exactly one container (running when active, stopped when suspended),
 *   one HA resource, one Cloudflare record and one proxy host; each active custom domain of a
 *   live service exactly one ISPConfig zone and one proxy host;
 * - nothing anywhere that no live service owns: no resource without our marker or with the
 *   marker of a deleted service, no record left in a deleted zone, no certificate or site
 *   server for a name or container nobody has.
 * Pure: the caller reads both sides.
 */
import type { ServiceWire } from './daemon-client.js';
import type { FinalState } from './lifecycle-script.js';
import type { Inventory } from './sandbox-inventory.js';
import { describe } from './service-observer.js';

export interface Intent {
  readonly serviceId: string;
  readonly final: FinalState;
  readonly domain: string | null;
}

export interface Findings {
  /** Every problem, one line each (orphans and duplicates included). */
  readonly violations: string[];
  readonly orphans: string[];
  readonly duplicates: string[];
}

interface Live {
  readonly serviceId: string;
  readonly state: string;
  readonly vmid: number;
  readonly fqdn: string;
  readonly activeDomains: readonly string[];
}

const lower = (name: string): string => name.toLowerCase();

export function checkWorld(intents: readonly Intent[], views: readonly ServiceWire[], inventory: Inventory): Findings {
  const violations: string[] = [];
  const orphans: string[] = [];
  const duplicates: string[] = [];
  const byId = new Map(views.map((v) => [v.service_id, v]));

  for (const intent of intents) {
    const view = byId.get(intent.serviceId);
    if (view === undefined) {
      violations.push(`${intent.serviceId}: unknown to the daemon, intended ${intent.final}`);
      continue;
    }
    if (view.state !== intent.final || view.busy) violations.push(`${intent.serviceId}: intended ${intent.final}, is ${describe(view)}`);
    if (intent.domain !== null && !view.domains.some((d) => d.domain === intent.domain && d.state === 'active')) {
      violations.push(`${intent.serviceId}: custom domain ${intent.domain} should be active, is ${describe(view)}`);
    }
  }

  const live: Live[] = views
    .filter((v) => v.state !== 'deleted')
    .map((v) => ({
      serviceId: v.service_id,
      state: v.state,
      vmid: v.vmid,
      fqdn: lower(v.fqdn),
      activeDomains: v.domains.filter((d) => d.state === 'active').map((d) => lower(d.domain)),
    }));
  const liveById = new Map(live.map((s) => [s.serviceId, s]));
  const liveVmids = new Set(live.map((s) => s.vmid));
  /** Every name a live service answers for, and who owns it. */
  const nameOwner = new Map<string, string>();
  for (const s of live) for (const name of [s.fqdn, ...s.activeDomains]) nameOwner.set(name, s.serviceId);

  // A resource naming a live service but not matching it is a second copy: a duplicate.
  const misfit = (what: string, owner: string | null): void => {
    if (owner !== null && liveById.has(owner)) duplicates.push(`${what}, a second one for ${owner}`);
    else orphans.push(`${what}, owned by ${owner === null ? 'nobody (no marker)' : `${owner}, which is not live`}`);
  };
  const exactlyOne = (count: number, what: string, owner: string): void => {
    if (count === 0) violations.push(`${owner}: no ${what}`);
    for (let extra = 1; extra < count; extra++) duplicates.push(`${what}: copy ${extra + 1} for ${owner}`);
  };

  for (const c of inventory.containers) {
    const service = c.owner === null ? undefined : liveById.get(c.owner);
    if (service === undefined || service.vmid !== c.vmid) misfit(`Proxmox container ${c.vmid} (${c.status} on ${c.node})`, c.owner);
  }
  for (const r of inventory.haResources) {
    if (!liveVmids.has(Number(r.sid.replace(/^ct:/, '')))) orphans.push(`HA resource ${r.sid} of no live container`);
  }
  for (const rule of inventory.haRules) {
    for (const sid of rule.sids) if (!liveVmids.has(Number(sid.replace(/^ct:/, '')))) orphans.push(`HA rule ${rule.rule} naming ${sid}, no live container`);
  }
  for (const r of inventory.dnsRecords) {
    if (r.owner === null || liveById.get(r.owner)?.fqdn !== r.name) misfit(`Cloudflare ${r.type} record ${r.name}`, r.owner);
  }
  for (const h of inventory.proxyHosts) {
    const service = h.owner === null ? undefined : liveById.get(h.owner);
    const fits = service !== undefined && h.names.every((name) => name === service.fqdn || service.activeDomains.includes(name));
    if (!fits) misfit(`NPM proxy host ${h.id} for ${h.names.join(',')}`, h.owner);
  }
  for (const c of inventory.certificates) {
    const owners = new Set(c.names.map((name) => nameOwner.get(name)));
    if (owners.has(undefined) || owners.size !== 1) orphans.push(`NPM certificate ${c.id} for ${c.names.join(',')}, a name no live service answers for`);
  }
  for (const z of inventory.zones) {
    const owner = nameOwner.get(z.origin);
    const isActiveDomain = owner !== undefined && (liveById.get(owner)?.activeDomains.includes(z.origin) ?? false);
    if (owner === undefined || !isActiveDomain || !z.owners.includes(owner)) {
      misfit(`ISPConfig zone ${z.origin} (id ${z.id})`, z.owners[0] ?? null);
    }
  }
  for (const r of inventory.strayRecords) orphans.push(`ISPConfig ${r.type} record ${r.name} left in deleted zone ${r.zone}`);
  for (const s of inventory.sites) if (!liveVmids.has(s.vmid)) orphans.push(`site server of CT ${s.vmid} on ${s.ip}, no live container`);

  for (const s of live) {
    const containers = inventory.containers.filter((c) => c.owner === s.serviceId && c.vmid === s.vmid);
    exactlyOne(containers.length, `container ${s.vmid}`, s.serviceId);
    const wanted = s.state === 'active' ? 'running' : s.state === 'suspended' ? 'stopped' : undefined;
    for (const c of containers) if (wanted !== undefined && c.status !== wanted) violations.push(`${s.serviceId}: is ${s.state} but container ${c.vmid} is ${c.status}`);
    exactlyOne(inventory.haResources.filter((r) => r.sid === `ct:${s.vmid}`).length, `HA resource ct:${s.vmid}`, s.serviceId);
    exactlyOne(inventory.dnsRecords.filter((r) => r.owner === s.serviceId && r.name === s.fqdn).length, `Cloudflare record ${s.fqdn}`, s.serviceId);
    // Only the service's own copies are counted here; anyone else's was reported above.
    const hostsFor = (name: string): number => inventory.proxyHosts.filter((h) => h.owner === s.serviceId && h.names.includes(name)).length;
    exactlyOne(hostsFor(s.fqdn), `proxy host ${s.fqdn}`, s.serviceId);
    for (const domain of s.activeDomains) {
      exactlyOne(inventory.zones.filter((z) => z.origin === domain && z.owners.includes(s.serviceId)).length, `ISPConfig zone ${domain}`, s.serviceId);
      exactlyOne(hostsFor(domain), `proxy host ${domain}`, s.serviceId);
    }
  }

  return { violations: [...violations, ...orphans.map((o) => `orphan: ${o}`), ...duplicates.map((d) => `duplicate: ${d}`)], orphans, duplicates };
}
