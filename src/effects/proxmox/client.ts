/**
 * The thin transport: one undici Pool to the API, the token header, form-encoded bodies
 * (booleans as 1/0, NOTES §1), per-request header/body timeouts, the caller's AbortSignal,
 * and a p-limit gate so no more than `concurrency` requests are in flight (Proxmox has no 429;
 * overload only makes it slow). A GET that is lost in transit is asked again (read-retry.ts);
 * a write gets exactly one attempt: the machine owns those retries.
 *
 * Identical GETs still waiting for a slot are sent once and answer every caller (see
 * waiting-reads.ts: the listing of all guests was most of the queue under load).
 *
 * Cancellation: a GET stops the moment the caller's signal aborts (task and state polls must
 * end at once). A POST/PUT/DELETE is atomic with respect to it: not sent if the signal has
 * already aborted, otherwise seen through to Proxmox's answer (bounded by the per-request
 * timeouts) and only then failed as cancelled. Abandoning it on the wire would not stop
 * Proxmox, and the compensation that runs next could look before the container exists.
 *
 * Every response ≥ 400 closes the connection on real PVE (it sends `Connection: close`);
 * undici honours that and opens a fresh socket for the next request, so an error never
 * poisons the request after it.
 */
import { Pool } from 'undici';
import { AppError } from '../../errors.js';
import { retryRead } from '../read-retry.js';
import { resolveConfig, type ProxmoxConfig } from './proxmox-config.js';
import { cancelledAfterAnswer, classifyHttp, classifyTransport } from './errors.js';
import { createOldestFirst } from './oldest-first.js';
import { createRankedLimit } from './ranked-limit.js';
import { tlsConnector } from './tls.js';
import { createWaitingReads } from './waiting-reads.js';

export type ParamValue = string | number | boolean | undefined;
export type Params = Readonly<Record<string, ParamValue>>;
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ProxmoxClient {
  /**
   * `about`: the VMID a request is for when neither path nor parameters name it (the guest
   * listing read to locate one container); it only ranks the request (oldest-first.ts).
   */
  request<T = unknown>(method: Method, path: string, params?: Params, signal?: AbortSignal, about?: number): Promise<T>;
  /** Requests running and waiting for a slot, for the status page. */
  queue(): { readonly active: number; readonly pending: number };
  close(): Promise<void>;
}

/** A path with every interpolated value percent-encoded (UPIDs, sids, names). */
export function apiPath(strings: TemplateStringsArray, ...values: (string | number)[]): string {
  return strings.reduce((path, part, i) => path + part + (i < values.length ? encodeURIComponent(String(values[i])) : ''), '');
}

function encodeParams(params: Params | undefined): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    form.append(key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value));
  }
  return form.toString();
}

interface PveBody {
  readonly data?: unknown;
  readonly message?: unknown;
  readonly errors?: Readonly<Record<string, unknown>>;
}

function parseBody(text: string): PveBody | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' ? (parsed as PveBody) : undefined;
  } catch {
    return undefined;
  }
}

export function createProxmoxClient(options: ProxmoxConfig): ProxmoxClient {
  const config = resolveConfig(options);
  const { base, requestTimeoutMs } = config;
  const pool = new Pool(base.origin, {
    connections: config.concurrency,
    headersTimeout: requestTimeoutMs,
    bodyTimeout: requestTimeoutMs,
    ...(base.protocol === 'https:'
      ? { connect: tlsConnector({ connectTimeoutMs: Math.min(requestTimeoutMs, 10_000), ...(config.caFile === undefined ? {} : { caFile: config.caFile }), ...(config.fingerprint === undefined ? {} : { fingerprint: config.fingerprint }) }) }
      : { connect: { timeout: Math.min(requestTimeoutMs, 10_000) } }),
  });
  // Oldest container first, not first come first served (oldest-first.ts).
  const limit = createRankedLimit(config.concurrency);
  const ranks = createOldestFirst();
  const prefix = base.pathname.replace(/\/+$/, '');
  // Built once and never logged or put in an error message.
  const authorization = `PVEAPIToken=${config.tokenId}=${config.tokenSecret}`;

  const send = async (method: Method, path: string, params: Params | undefined, signal: AbortSignal | undefined): Promise<unknown> => {
    const label = `${method} ${path}`;
    const encoded = encodeParams(params);
    const inQuery = method === 'GET' || method === 'DELETE';
    // Writes do not hand the signal to undici: once sent they run to their answer (see above).
    const write = method !== 'GET';
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (!inQuery && encoded !== '') headers['content-type'] = 'application/x-www-form-urlencoded';
    let status: number;
    let statusText: string;
    let text: string;
    // A function, not a narrowed property: the signal can abort while we await.
    const cancelled = (): boolean => signal?.aborted === true;
    // Nothing is sent for a caller that has gone already (it may have waited for a slot).
    if (cancelled()) throw classifyTransport(signal?.reason, label, signal);
    try {
      const response = await pool.request({
        method,
        path: `${prefix}${path}${inQuery && encoded !== '' ? `?${encoded}` : ''}`,
        headers,
        ...(inQuery || encoded === '' ? {} : { body: encoded }),
        ...(signal === undefined || write ? {} : { signal }),
        headersTimeout: requestTimeoutMs,
        bodyTimeout: requestTimeoutMs,
      });
      status = response.statusCode;
      statusText = response.statusText;
      text = await response.body.text();
    } catch (error) {
      // No answer (timeout, reset): a caller that left meanwhile still reads as cancelled.
      throw classifyTransport(error, label, signal);
    }
    // The caller left while the write ran: whatever Proxmox answered, it must not go on.
    if (write && cancelled()) throw cancelledAfterAnswer(label, signal?.reason);
    const body = parseBody(text);
    if (status >= 200 && status < 300) {
      if (body === undefined) throw new AppError('UPSTREAM_UNAVAILABLE', `${label}: unreadable answer from Proxmox`, { system: 'proxmox', retryable: true });
      return body.data ?? null;
    }
    // Newer servers send `message`; older ones only the status line (NOTES §2).
    const message = typeof body?.message === 'string' && body.message.trim() !== '' ? body.message.trim() : statusText.trim() || `HTTP ${status}`;
    throw classifyHttp({ status, message, request: label, ...(body?.errors === undefined ? {} : { errors: body.errors }) });
  };

  const reads = createWaitingReads(limit);
  const cancelledRead = (label: string) => (gone: AbortSignal): Error => classifyTransport(gone.reason, label, gone);

  return {
    request: <T>(method: Method, path: string, params?: Params, signal?: AbortSignal, about?: number) => {
      const rank = ranks.rank(method, path, params, about);
      if (method !== 'GET') return limit(rank, () => send(method, path, params, signal)) as Promise<T>;
      const encoded = encodeParams(params);
      const key = encoded === '' ? path : `${path}?${encoded}`;
      // Each try waits for a slot of its own (a retry must not hold one while it pauses), and
      // joins the same read if one is still waiting for a slot (waiting-reads.ts).
      const once = () => reads.read(key, rank, signal, (shared) => send(method, path, params, shared), cancelledRead(`GET ${path}`)) as Promise<T>;
      return retryRead(once, signal);
    },
    queue: () => ({ active: limit.activeCount, pending: limit.pendingCount + reads.behind }),
    close: () => pool.close(),
  };
}
