/**
 * The thin transport: one undici Pool to the API, the token header, form-encoded bodies
 * (booleans as 1/0, NOTES §1), per-request header/body timeouts, the caller's AbortSignal,
 * and a p-limit gate so no more than `concurrency` requests are in flight (Proxmox has no 429;
 * overload only makes it slow). A GET that is lost in transit is asked again (read-retry.ts);
 * a write gets exactly one attempt: the machine owns those retries.
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
import pLimit from 'p-limit';
import { Pool } from 'undici';
import { AppError } from '../../errors.js';
import { retryRead } from '../read-retry.js';
import { resolveConfig, type ProxmoxConfig } from './proxmox-config.js';
import { cancelledAfterAnswer, classifyHttp, classifyTransport } from './errors.js';
import { tlsConnector } from './tls.js';

export type ParamValue = string | number | boolean | undefined;
export type Params = Readonly<Record<string, ParamValue>>;
export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ProxmoxClient {
  request<T = unknown>(method: Method, path: string, params?: Params, signal?: AbortSignal): Promise<T>;
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
  const limit = pLimit(config.concurrency);
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

  return {
    request: <T>(method: Method, path: string, params?: Params, signal?: AbortSignal) => {
      const once = () => limit(() => send(method, path, params, signal)) as Promise<T>;
      // Each try waits for a slot of its own: a retry must not hold one while it pauses.
      return method === 'GET' ? retryRead(once, signal) : once();
    },
    queue: () => ({ active: limit.activeCount, pending: limit.pendingCount }),
    close: () => pool.close(),
  };
}
