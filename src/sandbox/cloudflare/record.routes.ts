/**
 * DNS records of a zone: list, create, get, edit (PATCH), update (PUT), delete — the SDK's
 * `cf.dns.records.*` methods. An unknown zone id answers 7003/7000 "Could not route…" (a zone the
 * token cannot see looks the same to the real API); an unknown record id 81044. Writes take the
 * timing table's `cloudflare.api` and then validate and apply in one synchronous step, so two
 * concurrent identical creates give one record and one 81058, as they would for real.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Latency } from '../core/timing.js';
import { CF, sendError, success } from './cloudflare.envelope.js';
import { QueryError, type Query } from './query-params.js';
import { parseRecordQuery, runRecordQuery } from './record-query.js';
import { presentRecord, type RecordStore, type StoredRecord, type WriteOutcome, type Zone } from './record-store.js';
import { parseRecordBody } from './record-validation.js';

const BASE = '/client/v4/zones/:zone_id/dns_records';
const IDENTIFIER = /^[0-9a-f]{32}$/i;

interface ZoneParams {
  zone_id: string;
}
interface RecordParams extends ZoneParams {
  dns_record_id: string;
}

export function registerRecordRoutes(app: FastifyInstance, store: RecordStore, latency: Latency): void {
  const zoneOf = (params: ZoneParams, reply: FastifyReply): Zone | undefined => {
    const zone = store.zone(params.zone_id);
    if (zone === undefined) sendError(reply, CF.couldNotRoute(`/zones/${params.zone_id}/dns_records`));
    return zone;
  };
  const recordOf = (params: RecordParams, reply: FastifyReply): { zone: Zone; record: StoredRecord } | undefined => {
    const zone = zoneOf(params, reply);
    if (zone === undefined) return undefined;
    if (!IDENTIFIER.test(params.dns_record_id)) {
      sendError(reply, CF.couldNotRoute(`/zones/${params.zone_id}/dns_records/${params.dns_record_id}`));
      return undefined;
    }
    const record = store.get(zone.id, params.dns_record_id.toLowerCase());
    if (record === undefined) sendError(reply, CF.recordNotFound());
    return record === undefined ? undefined : { zone, record };
  };
  const answer = (reply: FastifyReply, outcome: WriteOutcome): FastifyReply =>
    'error' in outcome ? sendError(reply, outcome.error) : reply.send(success(presentRecord(outcome.record)));

  app.get<{ Params: ZoneParams }>(BASE, { config: { op: 'cloudflare.dns_records.list' } }, async (request, reply) => {
    const zone = zoneOf(request.params, reply);
    if (zone === undefined) return reply;
    try {
      const { items, info } = runRecordQuery(store.list(zone.id), parseRecordQuery(request.query as Query));
      return reply.send(success(items.map(presentRecord), info));
    } catch (error) {
      if (error instanceof QueryError) return sendError(reply, error.shape);
      throw error;
    }
  });

  app.post<{ Params: ZoneParams }>(BASE, { config: { op: 'cloudflare.dns_records.create' } }, async (request, reply) => {
    await latency.wait('cloudflare.api');
    const zone = zoneOf(request.params, reply);
    if (zone === undefined) return reply;
    const parsed = parseRecordBody(request.body, zone.name, 'create');
    return 'error' in parsed ? sendError(reply, parsed.error) : answer(reply, store.create(zone.id, parsed.draft));
  });

  app.get<{ Params: RecordParams }>(`${BASE}/:dns_record_id`, { config: { op: 'cloudflare.dns_records.get' } }, async (request, reply) => {
    const found = recordOf(request.params, reply);
    return found === undefined ? reply : reply.send(success(presentRecord(found.record)));
  });

  for (const [method, op, mode] of [
    ['PATCH', 'cloudflare.dns_records.edit', 'patch'],
    ['PUT', 'cloudflare.dns_records.update', 'replace'],
  ] as const) {
    app.route<{ Params: RecordParams }>({
      method,
      url: `${BASE}/:dns_record_id`,
      config: { op },
      handler: async (request, reply) => {
        await latency.wait('cloudflare.api');
        const found = recordOf(request.params, reply);
        if (found === undefined) return reply;
        const parsed = parseRecordBody(request.body, found.zone.name, mode, found.record);
        if ('error' in parsed) return sendError(reply, parsed.error);
        return answer(reply, store.replace(found.zone.id, found.record.id, parsed.draft));
      },
    });
  }

  app.delete<{ Params: RecordParams }>(`${BASE}/:dns_record_id`, { config: { op: 'cloudflare.dns_records.delete' } }, async (request, reply) => {
    await latency.wait('cloudflare.api');
    const found = recordOf(request.params, reply);
    if (found === undefined) return reply;
    store.delete(found.zone.id, found.record.id);
    return reply.send(success({ id: found.record.id }));
  });
}
