/**
 * The zone's DNS records that carry our marker (comment `provisiond:<serviceId>`, exactly as
 * cloudflare.effects.ts writes it), for the reconciler, and the one repair the lifecycle's
 * effects do not offer: deleting a marked record by id (an orphan under a name no live
 * service uses). Content drift and missing records are repaired by `createDnsRecord`, which
 * adopts and corrects a marked record and never touches an unmarked one.
 *
 * The list asks the server for `comment.startswith=provisiond:` (one budgeted request per
 * page of 100) and filters again here: a filter the server ignored must not let us claim a
 * stranger's record.
 */
import { AppError } from '../../errors.js';
import type { CloudflareClient } from './client.js';
import { markerFor } from './cloudflare.effects.js';
import { RECORD_GONE_CODE, SYSTEM } from './errors.js';

export interface InventoryRecord {
  readonly id: string;
  /** Lower case, no trailing dot. */
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly owner: string;
}

const PER_PAGE = 100;
/** 100 pages of 100 marked records: far beyond any zone we manage; more means something is wrong. */
const MAX_PAGES = 100;
const MARKER = /^provisiond:([A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/;

interface RawRecord {
  readonly id?: string;
  readonly name?: string;
  readonly type?: string;
  readonly content?: string;
  readonly comment?: string | null;
}

export function ownerOfComment(comment: unknown): string | null {
  return typeof comment === 'string' ? (MARKER.exec(comment)?.[1] ?? null) : null;
}

const gone = (error: unknown): boolean =>
  error instanceof AppError && (error.details?.status === 404 || ((error.details?.cloudflareCodes as number[] | undefined) ?? []).includes(RECORD_GONE_CODE));

export function createCloudflareInventory(deps: { readonly client: CloudflareClient; readonly zoneId: string }) {
  const { client, zoneId } = deps;

  return {
    async records(signal: AbortSignal): Promise<InventoryRecord[]> {
      const found: InventoryRecord[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const answer = await client.call('read', 'list marked DNS records', signal, (sdk, options) =>
          sdk.dns.records.list({ zone_id: zoneId, comment: { startswith: 'provisiond:' }, per_page: PER_PAGE, page }, options),
        );
        const items = answer.result as RawRecord[];
        for (const raw of items) {
          const owner = ownerOfComment(raw.comment);
          if (owner === null || raw.id === undefined || raw.name === undefined) continue;
          found.push({ id: raw.id, name: raw.name.toLowerCase().replace(/\.$/, ''), type: raw.type ?? '', content: raw.content ?? '', owner });
        }
        const totalPages = (answer.result_info as { total_pages?: number } | undefined)?.total_pages;
        if (items.length < PER_PAGE || (totalPages !== undefined && page >= totalPages)) return found;
      }
      throw new AppError('UPSTREAM_REJECTED', `cloudflare: more than ${MAX_PAGES * PER_PAGE} records carry a provisiond marker`, { system: SYSTEM });
    },

    /** Delete record `id` if it still carries `serviceId`'s marker; gone already is done; anything else is NOT_OURS. */
    async deleteRecord(input: { readonly serviceId: string; readonly id: string }, signal: AbortSignal): Promise<void> {
      let record: RawRecord;
      try {
        record = (await client.call('read', 'read DNS record', signal, (sdk, options) => sdk.dns.records.get(input.id, { zone_id: zoneId }, options))) as RawRecord;
      } catch (error) {
        if (gone(error)) return;
        throw error;
      }
      if (record.comment !== markerFor(input.serviceId)) {
        throw new AppError('NOT_OURS', `cloudflare: record ${input.id} does not carry "${markerFor(input.serviceId)}"; left untouched`, { system: SYSTEM, details: { id: input.id } });
      }
      try {
        await client.call('write', 'delete DNS record', signal, (sdk, options) => sdk.dns.records.delete(input.id, { zone_id: zoneId }, options));
      } catch (error) {
        if (!gone(error)) throw error;
      }
    },
  };
}

export type CloudflareInventory = ReturnType<typeof createCloudflareInventory>;
