/**
 * The zones and their DNS records, in memory, with the conflict rules the API enforces on every
 * write (POST, PUT, PATCH — a record never conflicts with itself):
 * - same type, name and content as another record → 81058 "An identical record already exists."
 *   when TTL and proxy status match too, else 81057 "Record already exists." Public responses
 *   show both for duplicates; 81058's 2024 text ("A record with the same settings already
 *   exists", certbot#9962) says what sets it apart, so the split is on those settings;
 * - an A/AAAA where a CNAME lives → 81054; a CNAME where an A, AAAA or CNAME lives → 81053
 *   (the spec: "A/AAAA records cannot exist on the same name as CNAME records").
 */
import { randomBytes } from 'node:crypto';
import type { ErrorShape } from '../core/http-simulator.js';
import { CF } from './cloudflare.envelope.js';
import { isProxiable, txtData } from './dns-names.js';
import type { RecordDraft } from './record-validation.js';

export interface Zone {
  readonly id: string;
  readonly name: string;
  readonly createdOn: string;
}

export interface StoredRecord extends RecordDraft {
  readonly id: string;
  readonly zoneId: string;
  readonly createdOn: string;
  readonly modifiedOn: string;
  readonly commentModifiedOn?: string;
  readonly tagsModifiedOn?: string;
}

export type WriteOutcome = { readonly record: StoredRecord } | { readonly error: ErrorShape };

const sameContent = (type: string, a: string, b: string): boolean =>
  type === 'TXT' ? txtData(a) === txtData(b) : a.toLowerCase() === b.toLowerCase();

export class RecordStore {
  private readonly zonesById = new Map<string, Zone>();
  private readonly records = new Map<string, Map<string, StoredRecord>>();

  constructor(
    zones: readonly { id: string; name: string }[],
    private readonly now: () => number,
  ) {
    const createdOn = this.timestamp();
    for (const zone of zones) {
      this.zonesById.set(zone.id, { id: zone.id, name: zone.name.toLowerCase().replace(/\.$/, ''), createdOn });
      this.records.set(zone.id, new Map());
    }
  }

  zones(): Zone[] {
    return [...this.zonesById.values()];
  }

  zone(id: string): Zone | undefined {
    return this.zonesById.get(id);
  }

  /** Records of a zone in creation order. */
  list(zoneId: string): StoredRecord[] {
    return [...(this.records.get(zoneId)?.values() ?? [])];
  }

  get(zoneId: string, id: string): StoredRecord | undefined {
    return this.records.get(zoneId)?.get(id);
  }

  create(zoneId: string, draft: RecordDraft): WriteOutcome {
    const conflict = this.conflict(zoneId, draft);
    if (conflict !== undefined) return { error: conflict };
    const at = this.timestamp();
    const record: StoredRecord = {
      ...draft,
      id: randomBytes(16).toString('hex'),
      zoneId,
      createdOn: at,
      modifiedOn: at,
      commentModifiedOn: draft.comment === null ? undefined : at,
      tagsModifiedOn: draft.tags.length === 0 ? undefined : at,
    };
    this.zoneRecords(zoneId).set(record.id, record);
    return { record };
  }

  /** Write a whole new draft over record `id` (PUT, and PATCH after merging). */
  replace(zoneId: string, id: string, draft: RecordDraft): WriteOutcome {
    const previous = this.get(zoneId, id);
    if (previous === undefined) return { error: CF.recordNotFound() };
    const conflict = this.conflict(zoneId, draft, id);
    if (conflict !== undefined) return { error: conflict };
    const at = this.timestamp();
    const commentChanged = draft.comment !== previous.comment;
    const tagsChanged = draft.tags.join('\n') !== previous.tags.join('\n');
    const record: StoredRecord = {
      ...draft,
      id,
      zoneId,
      createdOn: previous.createdOn,
      modifiedOn: at,
      commentModifiedOn: commentChanged ? (draft.comment === null ? undefined : at) : previous.commentModifiedOn,
      tagsModifiedOn: tagsChanged ? (draft.tags.length === 0 ? undefined : at) : previous.tagsModifiedOn,
    };
    this.zoneRecords(zoneId).set(id, record);
    return { record };
  }

  delete(zoneId: string, id: string): boolean {
    return this.records.get(zoneId)?.delete(id) ?? false;
  }

  private conflict(zoneId: string, draft: RecordDraft, self?: string): ErrorShape | undefined {
    const sameName = this.list(zoneId).filter((r) => r.id !== self && r.name === draft.name);
    const duplicate = sameName.find((r) => r.type === draft.type && sameContent(r.type, r.content, draft.content));
    if (duplicate !== undefined) {
      const identical = duplicate.ttl === draft.ttl && duplicate.proxied === draft.proxied;
      return identical ? CF.identicalRecord() : CF.recordExists();
    }
    if ((draft.type === 'A' || draft.type === 'AAAA') && sameName.some((r) => r.type === 'CNAME')) return CF.addressOverCname();
    if (draft.type === 'CNAME' && sameName.some((r) => r.type === 'A' || r.type === 'AAAA' || r.type === 'CNAME')) {
      return CF.cnameConflict();
    }
    return undefined;
  }

  private zoneRecords(zoneId: string): Map<string, StoredRecord> {
    const records = this.records.get(zoneId);
    if (records === undefined) throw new Error(`unknown zone ${zoneId}`);
    return records;
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}

/** A record as the API returns it (key order of real 2025 responses). */
export function presentRecord(record: StoredRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    content: record.content,
    proxiable: isProxiable(record.type, record.content),
    proxied: record.proxied,
    ttl: record.ttl,
    settings: { ...record.settings },
    meta: {},
    comment: record.comment,
    tags: [...record.tags],
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
    ...(record.commentModifiedOn !== undefined && { comment_modified_on: record.commentModifiedOn }),
    ...(record.tagsModifiedOn !== undefined && { tags_modified_on: record.tagsModifiedOn }),
  };
}
