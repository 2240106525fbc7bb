/**
 * Coalesced writes for feed subscribers. Writing each transition to each subscriber on its own
 * costs one system call per subscriber per transition, which is what saturated the daemon with
 * 100 subscribers (docs/performance.md, figure 6). Instead every subscriber keeps an outbox of
 * ready-made frames (feed-frame.ts) and one shared flusher writes every waiting outbox, each in
 * a single `socket.write`, in rounds at most one per `maxWaitMs`: a frame arriving when the last
 * round is older than that is written as soon as the code that committed it returns (a
 * microtask), so a quiet feed adds no delay; one arriving sooner waits for the next round, so a
 * busy feed writes each socket about 1000 / maxWaitMs times a second however many transitions
 * it carries. `maxBatchBytes` waiting in one outbox are written at once. Measured against the
 * alternatives (docs/performance.md §6): a microtask every time wrote too often to batch, and a
 * timer or setImmediate alone waits behind whatever keeps the event loop busy (a run of
 * provisions committing in microtasks, the next round of I/O callbacks), which added 100+ ms to
 * the slowest deliveries (as the reverted cork/uncork to the end of the turn had).
 *
 * The frames go straight to the upgraded socket, past ws's Sender. That is safe because every
 * write here is whole frames, so whatever ws writes itself (a pong, a close frame) falls between
 * frames, never inside one; frames still waiting are written before the feed closes a socket
 * (Outbox.flush) and dropped once ws has started closing it, as ws.send would drop them.
 * permessage-deflate must be off (feed.ts): these frames are never compressed.
 */
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';

export interface CoalesceOptions {
  /** The shortest time between two rounds of writes, so the longest a frame waits for the next one. */
  readonly maxWaitMs: number;
  /** Bytes waiting in one outbox that make it write at once. */
  readonly maxBatchBytes: number;
}

/** Writes every outbox that has frames waiting, together, on one timer. */
export class FrameFlusher {
  private waiting = new Set<Outbox>();
  private timer: NodeJS.Timeout | undefined;
  private microtask = false;
  private lastRoundAt = Number.NEGATIVE_INFINITY;

  constructor(readonly options: CoalesceOptions) {}

  /** `outbox` has frames waiting: write them within the wait bound. */
  wake(outbox: Outbox): void {
    this.waiting.add(outbox);
    if (this.microtask) return;
    const sinceLastRound = performance.now() - this.lastRoundAt;
    if (sinceLastRound >= this.options.maxWaitMs) {
      // Also when a timer is pending: commits can follow one another in one long run of
      // microtasks (a provision with instant effects), and no timer fires until that run ends.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.microtask = true;
      queueMicrotask(this.flushAll);
    } else {
      this.timer ??= setTimeout(this.flushAll, this.options.maxWaitMs - sinceLastRound);
    }
  }

  forget(outbox: Outbox): void {
    this.waiting.delete(outbox);
  }

  readonly flushAll = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    // A queued microtask cannot be cancelled: when it runs after an earlier flushAll it finds
    // nothing waiting, or only what was woken since (which is then written early, not late).
    this.microtask = false;
    this.lastRoundAt = performance.now();
    // A fresh set: anything woken while these are written waits for the next round.
    const batch = this.waiting;
    this.waiting = new Set();
    for (const outbox of batch) outbox.flush();
  };
}

/** One subscriber's frames waiting for their write. */
export class Outbox {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly flusher: FrameFlusher,
  ) {}

  /** What ws holds unsent plus the frames still waiting here: the slow-consumer measure. */
  get bufferedAmount(): number {
    return this.ws.bufferedAmount + this.pendingBytes;
  }

  push(frame: Buffer): void {
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (this.pendingBytes >= this.flusher.options.maxBatchBytes) this.flush();
    else this.flusher.wake(this);
  }

  /** Writes the waiting frames now, in one write; drops them if the socket is no longer open. */
  flush(): void {
    this.flusher.forget(this);
    if (this.pending.length === 0) return;
    const frames = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    // After ws has sent or received a close frame no data frame may follow it.
    if (this.ws.readyState !== WebSocket.OPEN || !this.socket.writable) return;
    this.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, bytes));
  }

  /** The subscriber is gone: drop what waits. */
  discard(): void {
    this.flusher.forget(this);
    this.pending = [];
    this.pendingBytes = 0;
  }
}
