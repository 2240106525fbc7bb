/**
 * The custom-domain ownership check. The API tells the customer to publish
 *   TXT  _provisiond-challenge.<domain>  =  <token>
 * (src/actors/service-view.ts `verificationName`), so the expected value is the BARE token — no
 * `provisiond-verification=` prefix. A record matches when its chunks, joined, equal the token
 * exactly; other TXT values at that name are ignored. Missing record or no match is
 * OWNERSHIP_UNPROVEN (retryable: the customer may publish later, DNS caches expire); resolver
 * trouble is UPSTREAM_UNAVAILABLE / UPSTREAM_TIMEOUT (retryable). Read-only: nothing to own.
 */
import { domainToASCII } from 'node:url';
import pLimit from 'p-limit';
import { AppError } from '../../errors.js';
import { SYSTEM, lookupTxt } from './txt-lookup.js';

export interface OwnershipDeps {
  /** Resolvers to ask, `host:port` (sandbox: the DNS simulator; production: e.g. `1.1.1.1:53`). */
  readonly servers: readonly string[];
  /** Per query and server; default 5 s. */
  readonly timeoutMs?: number;
  /** Lookups in flight at once; default 8. */
  readonly concurrency?: number;
}

export interface DomainVerifyInput {
  readonly serviceId: string;
  readonly domain: string;
  readonly token: string;
}

export const CHALLENGE_LABEL = '_provisiond-challenge';

export function createOwnershipEffects(deps: OwnershipDeps) {
  const limit = pLimit(deps.concurrency ?? 8);
  const options = { servers: deps.servers, timeoutMs: deps.timeoutMs ?? 5000 };

  async function verifyOwnership(input: DomainVerifyInput, signal: AbortSignal): Promise<void> {
    const bare = input.domain.trim().toLowerCase().replace(/\.$/, '');
    const name = `${CHALLENGE_LABEL}.${domainToASCII(bare) || bare}`;
    const values = await limit(() => lookupTxt(name, options, signal));
    if (values !== 'absent' && values.includes(input.token)) return;
    const found = values === 'absent' ? 0 : values.length;
    const why = found === 0 ? 'has no TXT record' : `has ${found} TXT value(s), none of them the expected token`;
    throw new AppError('OWNERSHIP_UNPROVEN', `${name} ${why}`, { system: SYSTEM, retryable: true, details: { name, found } });
  }

  return {
    verifyOwnership,
    /** Lookups running and waiting, for the status page. */
    queue: () => ({ active: limit.activeCount, pending: limit.pendingCount }),
  };
}

export type OwnershipEffects = ReturnType<typeof createOwnershipEffects>;
