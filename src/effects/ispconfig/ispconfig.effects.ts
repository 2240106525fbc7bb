/**
 * DNS zones for customers' custom domains in ISPConfig: `createDnsZone` and `removeDnsZone`.
 * Both are idempotent and owner-checked (see zone-records.ts for the exact lookup and the
 * inactive TXT marker); neither retries — the domain machine owns backoff.
 *
 * createDnsZone: find the exact zone; add it if absent (SOA from config); refuse a zone that is
 * not ours (NOT_OURS); put our marker in; then make sure the NS records (one per configured
 * name server) and the A records (`<domain>.` and, by default, `www`) exist with `publicIp`.
 * An A record of ours with another address is drift: it is deleted and re-added.
 *
 * removeDnsZone: delete the records of our zone, then the zone (dns_zone_delete leaves records
 * behind as orphans), then our marker rows — last, so that a run stopped half-way still finds the
 * zone marked, and a run stopped after the zone is gone still sweeps the orphaned marker. A zone
 * that is absent or not ours is success and stays untouched: our zone is gone either way, and
 * failing would block the termination of a service over something we must not delete.
 */
import { AppError } from '../../errors.js';
import { IspconfigClient } from './client.js';
import { SYSTEM, faultOf } from './errors.js';
import { asciiDomain, bare, claimOf, findZone, fqdn, isMarker, MARKER_LABEL, markerRows, markerValue, sameName, zoneRecords, type Row, type Zone } from './zone-records.js';

export interface IspconfigDeps {
  /** The json.php endpoint, e.g. `https://panel.example.net:8080/remote/json.php`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** The DNS server (ISPConfig `server.server_id`) the zones live on. */
  readonly serverId: number;
  /** The owning ISPConfig client (`client.client_id`, 0 = admin); passed on every write. */
  readonly clientId: number;
  /** Authoritative name servers; the first is the SOA's primary. Trailing dots are added. */
  readonly ns: readonly string[];
  /** SOA responsible mailbox in DNS form (`hostmaster.example.net.`). */
  readonly mbox: string;
  /** TTL of the zone and its records, seconds (≥ 60); default 3600. */
  readonly ttl?: number;
  /** Per HTTP request; default 15 s. */
  readonly timeoutMs?: number;
  /** How long a session is reused; default 25 minutes (the panel drops it after a fixed 30). */
  readonly sessionTtlMs?: number;
  /** Requests in flight at once; default 4. */
  readonly concurrency?: number;
  /** Also point `www.<domain>` at the site; default true. */
  readonly www?: boolean;
  /**
   * Add an NS record per `ns` (BIND refuses a zone without NS records); default true. Needs
   * the `dns_ns_add`/`dns_ns_delete` functions; the sandbox simulator has none: pass false there.
   */
  readonly nsRecords?: boolean;
  readonly now?: () => number;
}

export interface DomainRef {
  readonly serviceId: string;
  readonly domain: string;
}
export interface DomainTargetInput extends DomainRef {
  readonly publicIp: string;
  readonly privateIp: string;
}

export function createIspconfigEffects(deps: IspconfigDeps) {
  const client = new IspconfigClient(deps);
  const ttl = String(deps.ttl ?? 3600);
  const now = deps.now ?? Date.now;
  const nameServers = deps.ns.map(fqdn);
  const firstNs = nameServers[0];
  if (firstNs === undefined) throw new RangeError('ISPConfig effects need at least one name server in `ns`');
  const primaryNs: string = firstNs;
  const mbox = fqdn(deps.mbox);
  const soa = { serverId: deps.serverId, ns: primaryNs, mbox };

  const recordParams = (zoneId: number, type: string, name: string, data: string, active = 'y') => ({
    server_id: deps.serverId, zone: zoneId, name, type, data, aux: '0', ttl, active, stamp: '', serial: '',
  });

  const add = (kind: 'a' | 'txt' | 'ns', params: Record<string, unknown>, updateSerial: boolean, signal: AbortSignal) =>
    client.call(`dns_${kind}_add`, { client_id: deps.clientId, params, update_serial: updateSerial }, signal);

  const remove = (kind: 'a' | 'txt' | 'ns', id: string | null | undefined, updateSerial: boolean, signal: AbortSignal) =>
    client.call(`dns_${kind}_delete`, { primary_id: Number(id), update_serial: updateSerial }, signal);

  const notOurs = (domain: string) =>
    new AppError('NOT_OURS', `the ISPConfig zone ${domain}. exists and does not carry this service's marker`, { system: SYSTEM, details: { domain } });

  /**
   * Add the zone with our marker in it; if the panel says it exists after all, read back
   * whatever holds the origin. Zone and marker are one unit that a cancellation cannot split:
   * an unmarked zone is never deleted by us (it might be someone else's), so a zone left
   * without its marker would stay behind for good. Both writes run to their answers; the
   * caller's cancellation is reported after.
   */
  async function addZone(domain: string, serviceId: string, signal: AbortSignal): Promise<{ zone: Zone; records: Row[] }> {
    signal.throwIfAborted();
    const unit = new AbortController().signal;
    const serial = `${new Date(now()).toISOString().slice(0, 10).replaceAll('-', '')}01`;
    const params = {
      server_id: deps.serverId, origin: `${domain}.`, ns: primaryNs, mbox, serial,
      refresh: '7200', retry: '540', expire: '604800', minimum: '3600', ttl, active: 'y',
      xfer: '', also_notify: '', update_acl: '', dnssec_wanted: 'n', dnssec_algo: '',
    };
    try {
      const id = await client.call('dns_zone_add', { client_id: deps.clientId, params }, unit);
      const row = { id: String(id), server_id: String(deps.serverId), origin: `${domain}.`, ns: primaryNs, mbox };
      const zone = { id: Number(id), row };
      await addMarker(zone, domain, serviceId, unit);
      signal.throwIfAborted();
      return { zone, records: await zoneRecords(client, zone.id, signal) };
    } catch (error) {
      // Someone added it since we looked: judge what is there like any existing zone.
      if (faultOf(error) !== 'origin_taken') throw error;
      const zone = await findZone(client, domain, signal);
      if (zone === undefined) throw notOurs(domain);
      return { zone, records: await zoneRecords(client, zone.id, signal) };
    }
  }

  /** Inactive: the marker stays in the panel database and never reaches public DNS. */
  async function addMarker(zone: Zone, domain: string, serviceId: string, signal: AbortSignal): Promise<void> {
    await add('txt', recordParams(zone.id, 'txt', `${MARKER_LABEL}.${domain}.`, markerValue(serviceId), 'n'), false, signal);
  }

  async function ensureRecord(zone: Zone, records: Row[], kind: 'a' | 'ns', name: string, host: string, data: string, domain: string, signal: AbortSignal): Promise<void> {
    const type = kind.toUpperCase();
    const same = records.filter((r) => (r.type ?? '').toUpperCase() === type && sameName(r.name ?? '', host, domain));
    const wanted = (r: Row): boolean => (kind === 'ns' ? bare(r.data ?? '') === bare(data) : r.data === data);
    if (kind === 'a') {
      // One address per name: an A record of ours pointing elsewhere is drift.
      for (const stale of same.filter((r) => !wanted(r))) await remove('a', stale.id, true, signal);
    }
    if (same.some(wanted)) return;
    try {
      await add(kind, recordParams(zone.id, kind, name, data), true, signal);
    } catch (error) {
      if (faultOf(error) !== 'duplicate') throw error;
      // The panel says it exists: believe it only if we can see it (a CNAME would also clash).
      const again = await zoneRecords(client, zone.id, signal);
      if (!again.some((r) => (r.type ?? '').toUpperCase() === type && sameName(r.name ?? '', host, domain) && wanted(r))) throw error;
    }
  }

  async function createDnsZone(input: DomainTargetInput, signal: AbortSignal): Promise<void> {
    const domain = asciiDomain(input.domain);
    const found = await findZone(client, domain, signal);
    const { zone, records } = found === undefined ? await addZone(domain, input.serviceId, signal) : { zone: found, records: await zoneRecords(client, found.id, signal) };
    const claim = claimOf(zone, records, domain, input.serviceId, soa);
    if (claim === 'foreign') throw notOurs(domain);
    if (claim === 'unclaimed') await addMarker(zone, domain, input.serviceId, signal);
    if (deps.nsRecords ?? true) {
      for (const ns of nameServers) await ensureRecord(zone, records, 'ns', `${domain}.`, domain, ns, domain, signal);
    }
    await ensureRecord(zone, records, 'a', `${domain}.`, domain, input.publicIp, domain, signal);
    if (deps.www ?? true) await ensureRecord(zone, records, 'a', 'www', `www.${domain}`, input.publicIp, domain, signal);
  }

  async function removeDnsZone(input: DomainRef, signal: AbortSignal): Promise<void> {
    const domain = asciiDomain(input.domain);
    const zone = await findZone(client, domain, signal);
    if (zone !== undefined) {
      const records = await zoneRecords(client, zone.id, signal);
      if (claimOf(zone, records, domain, input.serviceId, soa) === 'ours') {
        // No serial bump: the zone goes next, and a bump on a vanished record kills the panel's PHP.
        for (const record of records) {
          const type = (record.type ?? '').toUpperCase();
          if (isMarker(record, domain)) continue;
          if (type === 'A' || type === 'TXT' || type === 'NS') await remove(type === 'A' ? 'a' : type === 'NS' ? 'ns' : 'txt', record.id, false, signal);
          // Other types are never ours to create; a human who added them gets them orphaned.
        }
        await client.call('dns_zone_delete', { primary_id: zone.id }, signal);
      }
    }
    for (const marker of await markerRows(client, domain, input.serviceId, signal)) await remove('txt', marker.id, false, signal);
  }

  return {
    createDnsZone,
    removeDnsZone,
    /** Requests running and waiting, for the status page. */
    queue: () => client.queue(),
    close: () => client.close(),
  };
}

export type IspconfigEffects = ReturnType<typeof createIspconfigEffects>;
