/**
 * One HTTP exchange with undici, bounded by a timeout and the caller's signal. A caller's
 * abort is passed on as it is (the actor is being stopped); our own timeout becomes
 * UPSTREAM_TIMEOUT. No retries here: the machine owns them.
 *
 * Reads (GET, HEAD) stop the moment the caller aborts. Writes are atomic with respect to the
 * caller's signal: not sent if it has aborted already, otherwise seen through to NPM's answer
 * (bounded by the timeout) and only then rejected with the abort reason. NPM finishes a write
 * whether or not we still listen (a certbot run, a host with its nginx reload); letting go early
 * would let the compensation queued behind look before the resource exists, and miss it.
 */
import { request, type Dispatcher } from 'undici';
import { fromTransport, type NpmAnswer } from './errors.js';

export interface Exchange {
  readonly dispatcher: Dispatcher;
  readonly url: string;
  readonly method: Dispatcher.HttpMethod;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
  /** What the call does, for error messages ("create proxy host shop.example.com"). */
  readonly what: string;
  /** Read at most this many bytes of the answer (the rest is discarded). */
  readonly maxBodyBytes?: number;
}

export interface RawAnswer {
  readonly status: number;
  readonly text: string;
}

const READS: ReadonlySet<string> = new Set(['GET', 'HEAD']);

export async function exchange(call: Exchange): Promise<RawAnswer> {
  const write = !READS.has(call.method.toUpperCase());
  // Nothing is sent for a caller that has gone already (it may have waited for a slot).
  call.signal?.throwIfAborted();
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = call.signal === undefined || write ? timeout : AbortSignal.any([call.signal, timeout]);
  let raw: RawAnswer;
  try {
    const answer = await request(call.url, {
      dispatcher: call.dispatcher,
      method: call.method,
      headers: call.headers,
      ...(call.body === undefined ? {} : { body: call.body }),
      signal,
      // undici's own 300 s defaults would cut a 15-minute certbot run short.
      headersTimeout: call.timeoutMs,
      bodyTimeout: call.timeoutMs,
    });
    raw = { status: answer.statusCode, text: await readText(answer.body, call.maxBodyBytes ?? 4 * 1024 * 1024) };
  } catch (error) {
    if (call.signal?.aborted === true) throw call.signal.reason;
    throw fromTransport(call.what, error, timeout.aborted);
  }
  // A write that was seen through for a caller who left meanwhile: its next step must not run.
  if (write) call.signal?.throwIfAborted();
  return raw;
}

async function readText(body: Dispatcher.ResponseData['body'], maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= maxBytes) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON when it parses, the text otherwise (error pages, proxies in between). */
export function parseAnswer(raw: RawAnswer): NpmAnswer {
  if (raw.text === '') return { status: raw.status, body: undefined };
  try {
    return { status: raw.status, body: JSON.parse(raw.text) as unknown };
  } catch {
    return { status: raw.status, body: raw.text };
  }
}
