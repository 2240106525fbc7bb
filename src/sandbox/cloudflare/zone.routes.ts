/**
 * `GET /zones` (find a zone id by `name=`) and `GET /zones/{zone_id}`. Zones are fixed at
 * construction; each is an active full-setup zone on the free plan of one sandbox account.
 * `name` and `account.name` take the spec's operator prefixes (`contains:.org`, `ends_with:arpa`…).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CF, sendError, success } from './cloudflare.envelope.js';
import { DIRECTIONS, MATCHES, ZONE_ORDERS, ZONE_STATUSES } from './cloudflare.schema.js';
import { compareWith, count, oneOf, paginate, QueryError, single, type Query } from './query-params.js';
import type { RecordStore, Zone } from './record-store.js';

const ACCOUNT = { id: createHash('sha256').update('provisiond sandbox account').digest('hex').slice(0, 32), name: 'provisiond sandbox' };

export function presentZone(zone: Zone): Record<string, unknown> {
  return {
    id: zone.id,
    name: zone.name,
    status: 'active',
    paused: false,
    type: 'full',
    development_mode: 0,
    name_servers: ['bob.ns.cloudflare.com', 'lola.ns.cloudflare.com'],
    original_name_servers: null,
    original_registrar: null,
    original_dnshost: null,
    modified_on: zone.createdOn,
    created_on: zone.createdOn,
    activated_on: zone.createdOn,
    meta: { step: 4, custom_certificate_quota: 0, page_rule_quota: 3, phishing_detected: false },
    owner: { id: ACCOUNT.id, type: 'organization', name: ACCOUNT.name },
    account: { ...ACCOUNT },
    permissions: ['#dns_records:edit', '#dns_records:read', '#zone:read'],
    plan: { id: '0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee', name: 'Free Website', price: 0, currency: 'USD', frequency: '', is_subscribed: false, can_subscribe: false, legacy_id: 'free', legacy_discount: false, externally_managed: false },
  };
}

const OPERATORS = ['equal', 'not_equal', 'starts_with', 'ends_with', 'contains'] as const;

/** `[operator:]value` of the spec's name filters, case-insensitive unless `*_case_sensitive`. */
function nameFilter(raw: string): (value: string) => boolean {
  const colon = raw.indexOf(':');
  const prefix = colon < 0 ? '' : raw.slice(0, colon);
  const sensitive = prefix.endsWith('_case_sensitive');
  const op = sensitive ? prefix.slice(0, -'_case_sensitive'.length) : prefix;
  const known = (OPERATORS as readonly string[]).includes(op);
  const wanted = known ? raw.slice(colon + 1) : raw;
  const fold = (s: string): string => (sensitive ? s : s.toLowerCase());
  return (value) => {
    const v = fold(value);
    const w = fold(wanted);
    switch (known ? op : 'equal') {
      case 'not_equal':
        return v !== w;
      case 'starts_with':
        return v.startsWith(w);
      case 'ends_with':
        return v.endsWith(w);
      case 'contains':
        return v.includes(w);
      default:
        return v === w;
    }
  };
}

function listZones(zones: readonly Zone[], query: Query) {
  const terms: ((zone: Zone) => boolean)[] = [];
  const name = single(query, 'name');
  if (name !== undefined) {
    const test = nameFilter(name);
    terms.push((z) => test(z.name));
  }
  const status = oneOf(query, 'status', ZONE_STATUSES);
  if (status !== undefined) terms.push(() => status === 'active');
  const accountId = single(query, 'account.id');
  if (accountId !== undefined) terms.push(() => accountId === ACCOUNT.id);
  const accountName = single(query, 'account.name');
  if (accountName !== undefined) {
    const test = nameFilter(accountName);
    terms.push(() => test(ACCOUNT.name));
  }
  const any = oneOf(query, 'match', MATCHES) === 'any';
  // Every zone here shares status and account, so each order is by name within them.
  oneOf(query, 'order', ZONE_ORDERS);
  const descending = oneOf(query, 'direction', DIRECTIONS) === 'desc';
  const page = count(query, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  // Spec: 5–50, default 20. Smaller sizes are raised, not refused: certbot asks per_page=1 and succeeds.
  const perPage = Math.max(5, count(query, 'per_page', 20, 1, 50));
  const matching = zones.filter((z) => terms.length === 0 || (any ? terms.some((t) => t(z)) : terms.every((t) => t(z))));
  const sorted = [...matching].sort(compareWith((z: Zone) => z.name, descending));
  return paginate(sorted, page, perPage);
}

export function registerZoneRoutes(app: FastifyInstance, store: RecordStore): void {
  app.get('/client/v4/zones', { config: { op: 'cloudflare.zones.list' } }, async (request, reply) => {
    try {
      const { items, info } = listZones(store.zones(), request.query as Query);
      return reply.send(success(items.map(presentZone), info));
    } catch (error) {
      if (error instanceof QueryError) return sendError(reply, error.shape);
      throw error;
    }
  });

  app.get<{ Params: { zone_id: string } }>('/client/v4/zones/:zone_id', { config: { op: 'cloudflare.zones.get' } }, async (request, reply) => {
    const zone = store.zone(request.params.zone_id);
    if (zone === undefined) return sendError(reply, CF.couldNotRoute(`/zones/${request.params.zone_id}`));
    return reply.send(success(presentZone(zone)));
  });
}
