/**
 * One TXT lookup through Node's c-ares resolver against configured servers, with a deadline
 * and cancellation, and the resolver's error codes mapped onto the error taxonomy.
 *
 * A fresh Resolver per lookup: `cancel()` cancels every query of a resolver, so sharing one
 * would let one caller's abort fail everybody else's check.
 */
import { promises as dns } from 'node:dns';
import { AppError } from '../../errors.js';

export const SYSTEM = 'dns';

export interface TxtLookupOptions {
  /** `host:port` (IPv6 as `[::1]:53`); empty means the system's resolvers. */
  readonly servers: readonly string[];
  /** Per query and server; the whole lookup gets this much per server. */
  readonly timeoutMs: number;
}

/** The name has no TXT values (NXDOMAIN or NODATA): the customer has not published yet. */
const ABSENT = new Set(['ENOTFOUND', 'ENODATA']);
const TIMEOUT = new Set(['ETIMEOUT']);
/** Our question was unacceptable: retrying the same name cannot help. */
const BAD_QUESTION = new Set(['EBADNAME', 'EBADQUERY', 'EBADFAMILY']);

/** Each record's character-strings joined back into one value (they split at 255 bytes). */
export async function lookupTxt(name: string, options: TxtLookupOptions, signal: AbortSignal): Promise<string[] | 'absent'> {
  const resolver = new dns.Resolver({ timeout: options.timeoutMs, tries: 1 });
  if (options.servers.length > 0) resolver.setServers([...options.servers]);
  let timedOut = false;
  // c-ares times out per server and try; this bounds the whole lookup whatever it does inside.
  const deadline = setTimeout(() => {
    timedOut = true;
    resolver.cancel();
  }, options.timeoutMs * Math.max(1, options.servers.length) + 50);
  const onAbort = (): void => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) throw Object.assign(new Error('cancelled before the query'), { code: 'ECANCELLED' });
    const records = await resolver.resolveTxt(name);
    return records.map((chunks) => chunks.join(''));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && ABSENT.has(code)) return 'absent';
    throw classify(name, typeof code === 'string' ? code : 'UNKNOWN', error, timedOut, signal.aborted);
  } finally {
    clearTimeout(deadline);
    signal.removeEventListener('abort', onAbort);
  }
}

function classify(name: string, code: string, cause: unknown, timedOut: boolean, cancelled: boolean): AppError {
  const details = { name, code };
  if (cancelled) return new AppError('SHUTTING_DOWN', `TXT lookup of ${name} cancelled`, { system: SYSTEM, retryable: true, details, cause });
  if (timedOut || TIMEOUT.has(code)) {
    return new AppError('UPSTREAM_TIMEOUT', `TXT lookup of ${name}: no answer in time`, { system: SYSTEM, retryable: true, details, cause });
  }
  if (BAD_QUESTION.has(code)) {
    return new AppError('UPSTREAM_REJECTED', `TXT lookup of ${name}: ${code}`, { system: SYSTEM, retryable: false, details, cause });
  }
  // ESERVFAIL, EREFUSED, ECONNREFUSED, EBADRESP, EFORMERR, ENOTIMP, ...: the servers' trouble.
  return new AppError('UPSTREAM_UNAVAILABLE', `TXT lookup of ${name}: ${code}`, { system: SYSTEM, retryable: true, details, cause });
}
