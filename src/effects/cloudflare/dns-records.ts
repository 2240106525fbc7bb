/**
 * The four DNS-record requests provisiond makes, as SDK calls through the client: list A records
 * of one name, create, patch and delete one. Records come back reduced to the fields decisions
 * need. Names are compared as Punycode, lower case, without a trailing dot (NOTES §3).
 */
import { domainToASCII } from 'node:url';
import { AppError } from '../../errors.js';
import type { CloudflareClient } from './client.js';
import { SYSTEM } from './errors.js';

export interface ARecord {
  readonly id: string;
  readonly name: string;
  readonly content: string;
  readonly ttl: number;
  readonly proxied: boolean;
  readonly comment: string | null;
}

/** What we want an A record to be. */
export interface ADraft {
  readonly name: string;
  readonly content: string;
  readonly ttl: number;
  readonly comment: string;
}

/** Large pages: every request counts against the budget. */
const PER_PAGE = 100;
/** A name holds a handful of A records; more pages than this means something is badly wrong. */
const MAX_PAGES = 20;

export function canonicalName(fqdn: string): string {
  const ascii = domainToASCII(fqdn.trim().replace(/\.$/, '').toLowerCase());
  if (ascii === '') {
    throw new AppError('VALIDATION_FAILED', `"${fqdn}" is not a valid domain name`, { system: SYSTEM, field: 'fqdn' });
  }
  return ascii;
}

interface RawRecord {
  readonly id?: string;
  readonly name?: string;
  readonly type?: string;
  readonly content?: string;
  readonly ttl?: number;
  readonly proxied?: boolean;
  readonly comment?: string | null;
}

function toARecord(raw: RawRecord): ARecord | undefined {
  if (raw.type !== 'A' || raw.id === undefined || raw.name === undefined) return undefined;
  return { id: raw.id, name: raw.name, content: raw.content ?? '', ttl: raw.ttl ?? 1, proxied: raw.proxied ?? false, comment: raw.comment ?? null };
}

export class DnsRecords {
  constructor(
    private readonly client: CloudflareClient,
    private readonly zoneId: string,
  ) {}

  /** Every A record named exactly `name`. Pages are requested one by one, each budgeted. */
  async listA(name: string, signal: AbortSignal): Promise<ARecord[]> {
    const found: ARecord[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const answer = await this.client.call('read', 'list DNS records', signal, (sdk, options) =>
        sdk.dns.records.list({ zone_id: this.zoneId, type: 'A', name: { exact: name }, per_page: PER_PAGE, page }, options),
      );
      const items = answer.result as RawRecord[];
      // The server filters, but a name filter it ignored must not make us adopt or delete a stranger.
      for (const raw of items) {
        const record = toARecord(raw);
        if (record !== undefined && record.name.toLowerCase().replace(/\.$/, '') === name) found.push(record);
      }
      // Stop on a short page: the SDK's own iterator would spend one more request on an empty one.
      const totalPages = (answer.result_info as { total_pages?: number }).total_pages;
      if (items.length < PER_PAGE || (totalPages !== undefined && page >= totalPages)) return found;
    }
    throw new AppError('UPSTREAM_REJECTED', `cloudflare list DNS records: more than ${MAX_PAGES * PER_PAGE} A records named ${name}`, { system: SYSTEM });
  }

  async create(draft: ADraft, signal: AbortSignal): Promise<void> {
    await this.client.call('write', 'create DNS record', signal, (sdk, options) =>
      sdk.dns.records.create({ zone_id: this.zoneId, type: 'A', proxied: false, ...draft }, options),
    );
  }

  /** PATCH the fields we own; the comment is rewritten as is, so the marker stays. */
  async update(id: string, draft: ADraft, signal: AbortSignal): Promise<void> {
    await this.client.call('write', 'update DNS record', signal, (sdk, options) =>
      sdk.dns.records.edit(id, { zone_id: this.zoneId, type: 'A', proxied: false, ...draft }, options),
    );
  }

  async delete(id: string, signal: AbortSignal): Promise<void> {
    await this.client.call('write', 'delete DNS record', signal, (sdk, options) => sdk.dns.records.delete(id, { zone_id: this.zoneId }, options));
  }
}
