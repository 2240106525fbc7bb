/**
 * One feed subscriber: catch up from the store page by page, then follow the registry live.
 *
 * No gaps, no duplicates: `lastSent` is the only cursor. Catch-up reads `transitionsAfter
 * (lastSent)`; the switch to live happens in the same synchronous turn as the read that came
 * back short, and the registry publishes synchronously after each commit, so no transition can
 * fall between the last page and the subscription. Live delivery still skips seq ≤ lastSent.
 *
 * Bounded memory: during catch-up a page stops as soon as the socket holds more than
 * `maxBufferedBytes` unsent bytes and resumes (from the store, not from memory) once half of
 * it has drained; a client that drains nothing for `drainTimeoutMs` is closed. Live, a client
 * over the limit is closed at once with 1013 and reconnects with `since=<its last seq>`. The
 * limit counts the frames still waiting in the client's outbox (feed-outbox.ts) as unsent too.
 *
 * Every message goes through the outbox, as a frame (feed-frame.ts): the hello, transitions and
 * log lines keep their order, and the outbox is written out before the feed closes the socket.
 */
import type { FastifyBaseLogger } from 'fastify';
import { WebSocket } from 'ws';
import type { LogView, ServiceRegistry, TransitionView } from '../actors/registry.types.js';
import { jsonFrame } from './feed-frame.js';
import type { Outbox } from './feed-outbox.js';
import { transitionToWire } from './wire.js';

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_INTERNAL_ERROR = 1011;
export const CLOSE_TRY_AGAIN_LATER = 1013;

const DRAIN_POLL_MS = 20;

export interface FeedClientOptions {
  /** Send every transition with seq > since. */
  readonly since: number;
  /** The newest committed seq when the client connected, reported in the hello. */
  readonly lastSeq: number;
  readonly serviceId: string | undefined;
  /** Also stream log lines as they are written, once caught up. */
  readonly logs?: boolean;
  readonly maxBufferedBytes: number;
  readonly pageSize: number;
  readonly drainTimeoutMs: number;
}

/**
 * The registry hands every live subscriber the same transition (and log line) object in turn:
 * build its frame once, not once per subscriber. With 100 subscribers, serialising, encoding
 * and framing per subscriber is work repeated 100 times for nothing (docs/performance.md,
 * figure 6). One entry each is enough: the next one replaces it. Catch-up pages read fresh
 * objects and miss.
 */
let lastTransition: { readonly transition: TransitionView; readonly frame: Buffer } | undefined;
let lastLog: { readonly line: LogView; readonly frame: Buffer } | undefined;

function transitionFrame(transition: TransitionView): Buffer {
  if (lastTransition?.transition !== transition) {
    lastTransition = { transition, frame: jsonFrame({ type: 'transition', ...transitionToWire(transition) }) };
  }
  return lastTransition.frame;
}

function logFrame(line: LogView): Buffer {
  if (lastLog?.line !== line) {
    lastLog = { line, frame: jsonFrame({ type: 'log', service_id: line.serviceId, at: line.at, line: line.line }) };
  }
  return lastLog.frame;
}

export function serveFeedClient(
  ws: WebSocket,
  outbox: Outbox,
  registry: ServiceRegistry,
  options: FeedClientOptions,
  log: FastifyBaseLogger,
): void {
  const { serviceId, maxBufferedBytes, pageSize, drainTimeoutMs } = options;
  const filter = serviceId === undefined ? {} : { serviceId };
  let lastSent = options.since;
  let finished = false;
  let unsubscribe: (() => void) | undefined;
  let unsubscribeLogs: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const stop = (): void => {
    finished = true;
    unsubscribe?.();
    unsubscribe = undefined;
    unsubscribeLogs?.();
    unsubscribeLogs = undefined;
    clearTimeout(timer);
    outbox.discard();
  };
  const close = (code: number, reason: string): void => {
    // What was accepted for sending goes out before the close frame.
    outbox.flush();
    stop();
    ws.close(code, reason);
  };
  ws.on('close', stop);
  ws.on('error', (error) => log.warn({ err: error }, 'feed socket error'));

  const overloaded = (): boolean => outbox.bufferedAmount > maxBufferedBytes;
  const send = (transition: TransitionView): void => {
    outbox.push(transitionFrame(transition));
    lastSent = transition.seq;
  };

  const onLive = (transition: TransitionView): void => {
    if (finished || transition.seq <= lastSent) return;
    if (serviceId !== undefined && transition.serviceId !== serviceId) return;
    if (ws.readyState !== WebSocket.OPEN) return stop();
    if (overloaded()) return close(CLOSE_TRY_AGAIN_LATER, 'slow consumer');
    send(transition);
  };

  const onLog = (line: LogView): void => {
    if (finished || (serviceId !== undefined && line.serviceId !== serviceId)) return;
    if (ws.readyState !== WebSocket.OPEN) return stop();
    if (overloaded()) return close(CLOSE_TRY_AGAIN_LATER, 'slow consumer');
    outbox.push(logFrame(line));
  };

  const waitForDrain = (): void => {
    const deadline = Date.now() + drainTimeoutMs;
    const poll = (): void => {
      if (finished) return;
      if (outbox.bufferedAmount <= Math.floor(maxBufferedBytes / 2)) return pump();
      if (Date.now() >= deadline) return close(CLOSE_TRY_AGAIN_LATER, 'slow consumer');
      timer = setTimeout(poll, DRAIN_POLL_MS);
    };
    timer = setTimeout(poll, DRAIN_POLL_MS);
  };

  function pump(): void {
    if (finished) return;
    if (ws.readyState !== WebSocket.OPEN) return stop();
    try {
      const page = registry.transitionsAfter(lastSent, { ...filter, limit: pageSize });
      for (const transition of page) {
        if (overloaded()) return waitForDrain();
        send(transition);
      }
      if (page.length < pageSize) {
        // Caught up: subscribe in this same turn (see the header comment).
        unsubscribe = registry.onTransition((transition) => {
          try {
            onLive(transition);
          } catch (error) {
            // Never let one subscriber break the registry's publishing.
            log.error({ err: error }, 'feed delivery failed');
            close(CLOSE_INTERNAL_ERROR, 'internal error');
          }
        });
        if (options.logs === true) {
          unsubscribeLogs = registry.onLog((line) => {
            try {
              onLog(line);
            } catch (error) {
              log.error({ err: error }, 'feed log delivery failed');
              close(CLOSE_INTERNAL_ERROR, 'internal error');
            }
          });
        }
        return;
      }
      // A full page: yield to other work before reading the next one.
      timer = setTimeout(pump, 0);
    } catch (error) {
      log.error({ err: error }, 'feed catch-up failed');
      close(CLOSE_INTERNAL_ERROR, 'internal error');
    }
  }

  outbox.push(jsonFrame({ type: 'hello', since: options.since, last_seq: options.lastSeq, service_id: serviceId ?? null }));
  pump();
}
