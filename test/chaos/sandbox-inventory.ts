/**
 * Everything the simulated systems hold, read through their own APIs as an operator would,
 * each resource with the service its marker names (`provisiond:<id>`, README "Infrastructure
 * effects"), or null when it carries none. The marker is parsed here rather than imported from
 * src/effects, so a wrong marker in the daemon shows up as an orphan instead of passing.
 */
import type { SandboxProbe } from '../support/sandbox-process.js';

export interface Inventory {
  readonly containers: readonly { readonly vmid: number; readonly node: string; readonly status: string; readonly owner: string | null }[];
  readonly haResources: readonly { readonly sid: string }[];
  readonly haRules: readonly { readonly rule: string; readonly sids: readonly string[] }[];
  readonly dnsRecords: readonly { readonly name: string; readonly type: string; readonly owner: string | null }[];
  readonly proxyHosts: readonly { readonly id: number; readonly names: readonly string[]; readonly owner: string | null }[];
  readonly certificates: readonly { readonly id: number; readonly names: readonly string[] }[];
  /** ISPConfig zones, origin without the trailing dot; owners from the marker records inside. */
  readonly zones: readonly { readonly id: number; readonly origin: string; readonly owners: readonly string[] }[];
  /** ISPConfig records whose zone no longer exists (dns_zone_delete leaves them behind). */
  readonly strayRecords: readonly { readonly zone: number; readonly name: string; readonly type: string }[];
  /** Simulated containers serving their site on their private IP. */
  readonly sites: readonly { readonly vmid: number; readonly ip: string }[];
}

const MARKER = /^#?\s*provisiond:(\S+)$/;

/** The service named by the first line of `text` that is a marker, if any. */
export function markerOwner(text: unknown): string | null {
  if (typeof text !== 'string') return null;
  for (const line of text.split('\n')) {
    const match = MARKER.exec(line.trim());
    if (match?.[1] !== undefined) return match[1];
  }
  return null;
}

const bare = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');

type IspRow = Readonly<Record<string, string | null>>;

/** ISPConfig's remote API: log in, then read every zone and every record (`-1` = all rows). */
async function ispconfigRows(probe: SandboxProbe): Promise<{ zones: IspRow[]; records: IspRow[] }> {
  const { url, username, password } = probe.connection.ispconfig;
  const call = async (method: string, params: Record<string, unknown>): Promise<unknown> => {
    const response = await fetch(`${url}?${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
    const body = (await response.json()) as { code: string; message: string; response: unknown };
    if (body.code !== 'ok') throw new Error(`ISPConfig ${method}: ${body.code} ${body.message}`);
    return body.response;
  };
  const session = await call('login', { username, password });
  const list = (value: unknown): IspRow[] => (Array.isArray(value) ? (value as IspRow[]) : []);
  const zones = list(await call('dns_zone_get', { session_id: session, primary_id: -1 }));
  // dns_txt_get reads the whole dns_rr table for -1, A records and orphans included.
  const records = list(await call('dns_txt_get', { session_id: session, primary_id: -1 }));
  await call('logout', { session_id: session });
  return { zones, records };
}

export async function readInventory(probe: SandboxProbe): Promise<Inventory> {
  const [state, haResources, haRules, records, certificates, isp] = await Promise.all([
    probe.state(),
    probe.haResources(),
    probe.haRules(),
    probe.cloudflareRecords(),
    probe.npmCertificates(),
    ispconfigRows(probe),
  ]);
  const containers = await Promise.all(
    state.containers.map(async (c) => {
      const config = await probe.proxmox<{ description?: string }>(`/nodes/${c.node}/lxc/${c.vmid}/config`);
      return { vmid: c.vmid, node: c.node, status: c.status, owner: markerOwner(config.description) };
    }),
  );
  const zoneIds = new Set(isp.zones.map((z) => Number(z.id)));
  const zones = isp.zones.map((z) => {
    const origin = bare(z.origin ?? '');
    const owners = isp.records
      .filter((r) => Number(r.zone) === Number(z.id) && (r.type ?? '').toUpperCase() === 'TXT' && bare(r.name ?? '') === `_provisiond.${origin}`)
      .map((r) => markerOwner(r.data))
      .filter((owner): owner is string => owner !== null);
    return { id: Number(z.id), origin, owners };
  });
  return {
    containers,
    haResources: haResources.map((r) => ({ sid: r.sid })),
    haRules: haRules.map((r) => ({ rule: r.rule, sids: (r.resources ?? '').split(',').filter((sid) => sid !== '') })),
    dnsRecords: records.map((r) => ({ name: bare(r.name), type: r.type, owner: markerOwner(r.comment) })),
    proxyHosts: state.proxyHosts.map((h) => ({
      id: h.id,
      names: h.domain_names.map(bare),
      owner: markerOwner(h.meta?.provisiond) ?? markerOwner(h.advanced_config),
    })),
    certificates: certificates.map((c) => ({ id: c.id, names: c.domain_names.map(bare) })),
    zones,
    strayRecords: isp.records
      .filter((r) => !zoneIds.has(Number(r.zone)))
      .map((r) => ({ zone: Number(r.zone), name: r.name ?? '', type: r.type ?? '' })),
    sites: state.sites.map((s) => ({ vmid: s.vmid, ip: s.ip })),
  };
}
