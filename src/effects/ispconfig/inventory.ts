/**
 * The DNS zones that carry our marker (the inactive TXT `_provisiond.<domain>.` =
 * `provisiond:<serviceId>`, zone-records.ts), with their A records, for the reconciler. Marker
 * rows are found by name; each names its domain and owner. The zone counts as present only if
 * the zone holding that origin is the one the marker row sits in: a marker left behind when its
 * zone was deleted (dns_zone_delete keeps the records) is reported with `zoneId: null`, and a
 * same-named zone someone made later is not ours.
 *
 * Repairs need nothing new here: `createDnsZone` adds what is missing and replaces our A
 * records that point elsewhere; `removeDnsZone` removes a marked zone and its marker rows, and
 * leaves an unmarked zone alone.
 */
import { IspconfigClient } from './client.js';
import type { IspconfigDeps } from './ispconfig.effects.js';
import { bare, findZone, MARKER_LABEL, zoneRecords, type Row } from './zone-records.js';

export interface InventoryZone {
  /** ASCII, lower case, no trailing dot. */
  readonly domain: string;
  readonly owner: string;
  readonly zoneId: number | null;
  /** Host name (FQDN, lower case, no dot) and address of each A record in the zone. */
  readonly aRecords: readonly { readonly name: string; readonly data: string }[];
}

const MARKER_DATA = /^provisiond:([A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;
const PREFIX = `${MARKER_LABEL}.`;

/** A record's name as the FQDN it denotes in zone `domain` (absolute, relative or apex). */
export function hostOf(name: string, domain: string): string {
  const n = name.trim().toLowerCase();
  if (n.endsWith('.')) return bare(n);
  if (n === '' || n === '@') return domain;
  return `${n}.${domain}`;
}

function rows(value: unknown): Row[] {
  if (!Array.isArray(value)) return [];
  return value.filter((r): r is Row => typeof r === 'object' && r !== null);
}

export function createIspconfigInventory(deps: IspconfigDeps) {
  const client = new IspconfigClient(deps);

  /** Marker rows by `<owner> <domain>`. */
  const markers = async (signal: AbortSignal): Promise<Map<string, { domain: string; owner: string; zoneIds: Set<number> }>> => {
    // `_` is a LIKE wildcard too: the exact name is checked below.
    const found = rows(await client.call('dns_txt_get', { primary_id: { name: `${PREFIX}%`, type: 'TXT' } }, signal));
    const groups = new Map<string, { domain: string; owner: string; zoneIds: Set<number> }>();
    for (const row of found) {
      const name = bare(row.name ?? '');
      const owner = MARKER_DATA.exec(row.data ?? '')?.[1];
      if ((row.type ?? '').toUpperCase() !== 'TXT' || !name.startsWith(PREFIX) || owner === undefined) continue;
      const domain = name.slice(PREFIX.length);
      const key = `${owner} ${domain}`;
      const group = groups.get(key) ?? { domain, owner, zoneIds: new Set<number>() };
      group.zoneIds.add(Number(row.zone));
      groups.set(key, group);
    }
    return groups;
  };

  const describe = async (group: { domain: string; owner: string; zoneIds: Set<number> }, signal: AbortSignal): Promise<InventoryZone> => {
    const zone = await findZone(client, group.domain, signal);
    if (zone === undefined || !group.zoneIds.has(zone.id)) return { domain: group.domain, owner: group.owner, zoneId: null, aRecords: [] };
    const records = await zoneRecords(client, zone.id, signal);
    const aRecords = records
      .filter((r) => (r.type ?? '').toUpperCase() === 'A')
      .map((r) => ({ name: hostOf(r.name ?? '', group.domain), data: r.data ?? '' }));
    return { domain: group.domain, owner: group.owner, zoneId: zone.id, aRecords };
  };

  return {
    async zones(signal: AbortSignal): Promise<InventoryZone[]> {
      const groups = [...(await markers(signal)).values()];
      const zones = await Promise.all(groups.map((group) => describe(group, signal)));
      return zones.sort((a, b) => a.domain.localeCompare(b.domain) || a.owner.localeCompare(b.owner));
    },
    close: () => client.close(),
  };
}

export type IspconfigInventory = ReturnType<typeof createIspconfigInventory>;
