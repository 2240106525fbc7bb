/**
 * Reading zones and records back from the panel, and deciding whether a zone is ours.
 *
 * Exact lookup: `dns_zone_get_id` is a prefix match (`origin LIKE 'x%'`, lowest id first) and
 * refuses a trailing dot, so it can return `example.com.au.` for `example.com` and never our own
 * zone. We use `dns_zone_get` with a filter array instead (remoting_lib's getDataRecord: a value
 * containing `%` is a LIKE, else `=`), ask for `<domain>%`, and keep only rows whose origin,
 * without its trailing dot and case-folded, equals the domain exactly.
 *
 * Marker: ISPConfig zones and records have no comment field. Every zone we create gets a TXT
 * record `_provisiond.<domain>.` = `provisiond:<serviceId>` stored INACTIVE (`active = N`): the
 * server agent writes only active records into BIND, so the marker lives in the panel database
 * and never reaches public DNS.
 */
import { domainToASCII } from 'node:url';
import { AppError } from '../../errors.js';
import type { IspconfigClient } from './client.js';
import { SYSTEM } from './errors.js';

export type Row = Readonly<Record<string, string | null>>;

export interface Zone {
  readonly id: number;
  readonly row: Row;
}

export const MARKER_LABEL = '_provisiond';
export const markerValue = (serviceId: string): string => `provisiond:${serviceId}`;

/** Lower case, no trailing dot: how names are compared. */
export const bare = (name: string): string => name.trim().toLowerCase().replace(/\.$/, '');
/** A customer's domain as the panel stores it: Punycode (the form's IDNTOASCII filter), bare. */
export const asciiDomain = (domain: string): string => domainToASCII(bare(domain)) || bare(domain);
export const fqdn = (name: string): string => `${bare(name)}.`;

function rows(method: string, value: unknown): Row[] {
  if (value === null || value === false) return [];
  if (!Array.isArray(value)) {
    throw new AppError('UPSTREAM_REJECTED', `ISPConfig ${method} answered something other than a list`, { system: SYSTEM });
  }
  return value.filter((r): r is Row => typeof r === 'object' && r !== null);
}

/** The zone whose origin is exactly `domain` (with or without trailing dot), if any. */
export async function findZone(client: IspconfigClient, domain: string, signal: AbortSignal): Promise<Zone | undefined> {
  const found = rows('dns_zone_get', await client.call('dns_zone_get', { primary_id: { origin: `${domain}%` } }, signal));
  const exact = found.filter((r) => bare(r.origin ?? '') === domain).sort((a, b) => Number(a.id) - Number(b.id));
  const row = exact[0];
  return row === undefined ? undefined : { id: Number(row.id), row };
}

/** Every record of a zone, any type. */
export async function zoneRecords(client: IspconfigClient, zoneId: number, signal: AbortSignal): Promise<Row[]> {
  return rows('dns_rr_get_all_by_zone', await client.call('dns_rr_get_all_by_zone', { zone_id: zoneId }, signal));
}

/** Our marker rows for `domain` anywhere, including orphans whose zone was deleted. */
export async function markerRows(client: IspconfigClient, domain: string, serviceId: string, signal: AbortSignal): Promise<Row[]> {
  const filter = { name: `${MARKER_LABEL}.${domain}.`, type: 'TXT' };
  const found = rows('dns_txt_get', await client.call('dns_txt_get', { primary_id: filter }, signal));
  return found.filter((r) => isMarker(r, domain) && r.data === markerValue(serviceId));
}

/** Does `name` (FQDN with dot, or relative to the zone) denote `host` in zone `domain`? */
export function sameName(name: string, host: string, domain: string): boolean {
  const n = name.trim().toLowerCase();
  if (n.endsWith('.')) return bare(n) === host;
  if (n === '' || n === '@') return host === domain;
  return `${n}.${domain}` === host;
}

export function isMarker(record: Row, domain: string): boolean {
  return (record.type ?? '').toUpperCase() === 'TXT' && sameName(record.name ?? '', `${MARKER_LABEL}.${domain}`, domain);
}

export type Claim = 'ours' | 'unclaimed' | 'foreign';

/**
 * `ours`: our marker is in the zone. `unclaimed`: no marker and no record at all, on our server
 * with our SOA name servers and mailbox — what our own createDnsZone leaves if it stops between
 * `dns_zone_add` and the marker (an empty zone carries nothing to lose). Anything else —
 * another service's marker, records without a marker, other SOA settings — is `foreign`.
 */
export function claimOf(zone: Zone, records: readonly Row[], domain: string, serviceId: string, expected: { serverId: number; ns: string; mbox: string }): Claim {
  const markers = records.filter((r) => isMarker(r, domain));
  if (markers.some((r) => r.data === markerValue(serviceId))) return 'ours';
  if (markers.length > 0 || records.length > 0) return 'foreign';
  const { row } = zone;
  const sameSoa = Number(row.server_id) === expected.serverId && bare(row.ns ?? '') === bare(expected.ns) && bare(row.mbox ?? '') === bare(expected.mbox);
  return sameSoa ? 'unclaimed' : 'foreign';
}
