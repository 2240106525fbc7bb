/**
 * Zone functions of remote.d/dns.inc.php. Two traps are reproduced on purpose:
 * `dns_zone_get_id` matches `origin LIKE '<origin>%'` (so `example.com` also finds
 * `example.com.au.`, and an origin with a trailing dot is refused as "Invalid domain name."),
 * and `dns_zone_delete` removes only the SOA row — the zone's records stay in `dns_rr`, as
 * orphans, because only the web UI's delete page removes them.
 */
import { message, schema } from './ispconfig-schema.js';
import { DnsTables, ownerOf } from './dns-tables.js';
import { isScalar, phpEmpty, phpIntval, phpString, sqlLike } from './php-semantics.js';
import { RemoteFault, phpFatal } from './remote-errors.js';
import type { RemoteDeps, RemoteFunction } from './remote-function.js';

const form = schema.forms.dns_soa;
const zoneIdPattern = new RegExp(schema.zoneGetIdRegex);

export function createZoneFunctions(deps: RemoteDeps): Record<string, RemoteFunction> {
  const { sessions, queries, tables, latency } = deps;
  return {
    dns_zone_get: (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_get');
      return queries.getDataRecord(form, a.primary_id);
    },

    dns_zone_get_id: (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_get_id');
      if (a.origin !== null && !isScalar(a.origin)) throw phpFatal();
      const origin = phpString(a.origin as string | null);
      if (!zoneIdPattern.test(origin)) throw new RemoteFault('no_domain_found', message('invalid_domain_name'));
      // SELECT id FROM dns_soa WHERE origin like ? — no ORDER BY, so the lowest id comes first.
      const row = tables.all('dns_soa').find((z) => sqlLike(String(z.origin ?? ''), `${origin}%`));
      if (row === undefined) throw new RemoteFault('no_domain_found', message('no_domain_found'));
      return Number(row.id);
    },

    dns_zone_get_by_user: (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_get');
      // Admin-owned zones (client 0) can never be listed this way.
      if (phpEmpty(a.client_id) || phpEmpty(a.server_id)) return false;
      const group = ownerOf(phpIntval(a.client_id)).groupId;
      const server = phpIntval(a.server_id);
      return tables
        .all('dns_soa')
        .filter((z) => Number(z.sys_groupid) === group && Number(z.server_id) === server)
        .map((z) => ({ id: String(z.id), origin: String(z.origin) }));
    },

    dns_zone_add: async (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_add');
      await latency.wait('ispconfig.api');
      return queries.insert(form, a.client_id, a.params);
    },

    dns_zone_update: async (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_update');
      await latency.wait('ispconfig.api');
      return queries.update(form, a.client_id, a.primary_id, a.params);
    },

    dns_zone_delete: async (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_delete');
      await latency.wait('ispconfig.api');
      return queries.delete(form, a.primary_id);
    },

    dns_rr_get_all_by_zone: (a) => {
      sessions.checkPerm(a.session_id, 'dns_zone_get');
      // SELECT * FROM dns_rr WHERE zone = ? — MySQL casts the bound string to a number.
      if (a.zone_id === null) return [];
      const zone = phpIntval(a.zone_id);
      return tables
        .all('dns_rr')
        .filter((r) => Number(r.zone) === zone)
        .map((r) => DnsTables.wire('dns_rr', r));
    },
  };
}
