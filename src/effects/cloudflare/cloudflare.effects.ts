/**
 * The Cloudflare effects of the service lifecycle: the site's A record, created and deleted.
 * A resumed actor re-runs them, so both look before they act: a record carrying our marker in
 * its `comment` is ours to adopt, fix or delete; any other A record on the name belongs to
 * someone else and is never touched.
 */
import { AppError } from '../../errors.js';
import { createCloudflareClient, type CloudflareClient, type CloudflareClientOptions } from './client.js';
import { canonicalName, DnsRecords, type ADraft, type ARecord } from './dns-records.js';
import { DUPLICATE_CODES, NAME_TAKEN_CODES, RECORD_GONE_CODE, SYSTEM } from './errors.js';

/** Matches the effect contracts (src/machines/effect-contracts.ts) structurally. */
export interface DnsRecordInput {
  readonly serviceId: string;
  readonly fqdn: string;
  readonly publicIp: string;
}
export interface DnsRecordRef {
  readonly serviceId: string;
  readonly fqdn: string;
}

export interface CloudflareEffects {
  createDnsRecord(input: DnsRecordInput, signal: AbortSignal): Promise<void>;
  deleteDnsRecord(input: DnsRecordRef, signal: AbortSignal): Promise<void>;
}

/**
 * Either the client options (a client is built), or a client the composition root built itself
 * so that it can show `client.queue()` and `client.budget()` in status and share the budget
 * with other Cloudflare effects on the same token.
 */
export type CloudflareEffectsDeps = { readonly zoneId: string } & (CloudflareClientOptions | { readonly client: CloudflareClient });

/** Short enough that a moved site follows quickly, long enough not to load resolvers. */
export const RECORD_TTL = 300;

export const markerFor = (serviceId: string): string => `provisiond:${serviceId}`;

const codesOf = (error: AppError): readonly number[] => (error.details?.cloudflareCodes as number[] | undefined) ?? [];
const hasAny = (error: unknown, codes: readonly number[]): boolean =>
  error instanceof AppError && codesOf(error).some((code) => codes.includes(code));

export function createCloudflareEffects(deps: CloudflareEffectsDeps): CloudflareEffects {
  const client = 'client' in deps ? deps.client : createCloudflareClient(deps);
  const records = new DnsRecords(client, deps.zoneId);

  const deleteTolerant = async (id: string, signal: AbortSignal): Promise<void> => {
    try {
      await records.delete(id, signal);
    } catch (error) {
      // Already gone is what we wanted.
      if (hasAny(error, [RECORD_GONE_CODE]) || (error instanceof AppError && error.details?.status === 404)) return;
      throw error;
    }
  };

  /**
   * Make what is on the name match the draft, if it is ours. Returns false when there is no
   * record at all (the caller creates one); throws NOT_OURS when a stranger holds the name.
   */
  const settle = async (existing: readonly ARecord[], draft: ADraft, signal: AbortSignal): Promise<boolean> => {
    const foreign = existing.filter((record) => record.comment !== draft.comment);
    if (foreign.length > 0) {
      throw new AppError('NOT_OURS', `cloudflare: ${foreign.length} A record(s) named ${draft.name} do not carry the marker "${draft.comment}"; left untouched`, {
        system: SYSTEM,
        details: { name: draft.name, foreignRecordIds: foreign.map((record) => record.id) },
      });
    }
    const keep = existing.find((record) => record.content === draft.content) ?? existing[0];
    if (keep === undefined) return false;
    // Two records of ours (an earlier crash between create and its answer) would serve two
    // addresses round-robin: the extras go, before the patch so it cannot collide with them.
    for (const extra of existing) if (extra !== keep) await deleteTolerant(extra.id, signal);
    if (keep.content !== draft.content || keep.ttl !== draft.ttl || keep.proxied) await records.update(keep.id, draft, signal);
    return true;
  };

  return {
    async createDnsRecord(input, signal) {
      const draft: ADraft = { name: canonicalName(input.fqdn), content: input.publicIp, ttl: RECORD_TTL, comment: markerFor(input.serviceId) };
      if (await settle(await records.listA(draft.name, signal), draft, signal)) return;
      try {
        await records.create(draft, signal);
      } catch (error) {
        if (hasAny(error, NAME_TAKEN_CODES)) {
          // A CNAME (of anyone: we only create A records) holds the name.
          throw new AppError('NOT_OURS', `cloudflare: a CNAME record holds ${draft.name}; left untouched`, { system: SYSTEM, details: { name: draft.name }, cause: error });
        }
        if (!hasAny(error, DUPLICATE_CODES)) throw error;
        // Someone created the same record between our list and our create: maybe our own
        // earlier attempt. Look again and adopt it if it carries our marker.
        if (await settle(await records.listA(draft.name, signal), draft, signal)) return;
        throw new AppError('RESOURCE_CONFLICT', `cloudflare: ${draft.name} was reported as existing but is not listed; try again`, {
          retryable: true,
          system: SYSTEM,
          cause: error,
        });
      }
    },

    async deleteDnsRecord(input, signal) {
      const name = canonicalName(input.fqdn);
      const marker = markerFor(input.serviceId);
      const ours = (await records.listA(name, signal)).filter((record) => record.comment === marker);
      for (const record of ours) await deleteTolerant(record.id, signal);
    },
  };
}
