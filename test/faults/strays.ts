/**
 * Everything in the simulated systems that belongs to no service still meant to exist: the
 * whole-world counterpart of SandboxProbe.leftovers (which looks for one service's names). A
 * storm can leave things under names nobody asks about — a second DNS record, a certificate
 * ordered twice, a container on the wrong VMID — and only a look at everything finds those.
 */
import type { Footprint, SandboxProbe } from '../support/sandbox-process.js';

export async function strays(probe: SandboxProbe, keep: readonly Footprint[]): Promise<string[]> {
  const vmids = new Set(keep.map((f) => f.vmid));
  const sids = new Set(keep.map((f) => `ct:${f.vmid}`));
  const fqdns = new Set(keep.map((f) => f.fqdn.toLowerCase()));
  const names = new Set(keep.flatMap((f) => [f.fqdn, ...(f.customDomains ?? [])]).map((n) => n.toLowerCase()));
  const domains = new Set(keep.flatMap((f) => f.customDomains ?? []).map((n) => n.toLowerCase()));
  const [state, resources, rules, records, certificates] = await Promise.all([
    probe.state(),
    probe.haResources(),
    probe.haRules(),
    probe.cloudflareRecords(),
    probe.npmCertificates(),
  ]);
  const found: string[] = [];
  for (const c of state.containers.filter((c) => !vmids.has(c.vmid))) found.push(`Proxmox container ${c.vmid} (${c.hostname}, ${c.status})`);
  for (const s of state.sites.filter((s) => !vmids.has(s.vmid))) found.push(`a site server for CT ${s.vmid} on ${s.ip}`);
  for (const r of resources.filter((r) => !sids.has(r.sid))) found.push(`HA resource ${r.sid}`);
  for (const r of rules.filter((r) => !(r.resources ?? '').split(',').every((sid) => sids.has(sid)))) found.push(`HA rule ${r.rule} (${r.resources ?? ''})`);
  for (const r of records.filter((r) => !fqdns.has(r.name.toLowerCase()))) found.push(`Cloudflare ${r.type} record ${r.name} → ${r.content}`);
  // One per name, not two: a retried create that doubled it is a leftover too.
  for (const [name, count] of tally(records.map((r) => r.name))) if (count > 1) found.push(`${count} Cloudflare records for ${name}`);
  for (const h of state.proxyHosts.filter((h) => !h.domain_names.every((d) => names.has(d.toLowerCase())))) found.push(`NPM proxy host ${h.id} for ${h.domain_names.join(',')}`);
  for (const c of certificates.filter((c) => !c.domain_names.every((d) => names.has(d.toLowerCase())))) found.push(`NPM certificate ${c.id} for ${c.domain_names.join(',')}`);
  for (const [name, count] of tally(certificates.map((c) => c.domain_names.join(',')))) if (count > 1) found.push(`${count} NPM certificates for ${name}`);
  for (const z of state.zones.filter((z) => !domains.has(z.origin.replace(/\.$/, '').toLowerCase()))) found.push(`ISPConfig zone ${z.origin}`);
  return found;
}

function tally(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names.map((n) => n.toLowerCase())) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
