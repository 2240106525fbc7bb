/**
 * One HTTP exchange with undici, bounded by a timeout and the caller's signal. A caller's
 * abort is passed on as it is (the actor is being stopped); our own timeout becomes
 * UPSTREAM_TIMEOUT. No retries here: the machine owns them.
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

export async function exchange(call: Exchange): Promise<RawAnswer> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = call.signal === undefined ? timeout : AbortSignal.any([call.signal, timeout]);
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
    return { status: answer.statusCode, text: await readText(answer.body, call.maxBodyBytes ?? 4 * 1024 * 1024) };
  } catch (error) {
    if (call.signal?.aborted === true) throw call.signal.reason;
    throw fromTransport(call.what, error, timeout.aborted);
  }
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
