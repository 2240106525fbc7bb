/**
 * Actors of newly accepted services, started off the request path.
 *
 * Accepting `create-site` commits the service, its allocation and the inbox outcome in one
 * transaction and answers; building and starting the actor (its first two commits, and the
 * allocation check it invokes) is CPU work the caller need not wait for. The queue starts
 * waiting actors in slices of at most `sliceMs`, one slice per event-loop turn (setImmediate),
 * so requests that arrive meanwhile are read and answered between slices instead of waiting
 * behind a burst of starts.
 *
 * Under overload (`busy()`: the event loop was busy most of the last few milliseconds) the
 * queue starts one service per `busyPauseMs`. A started service costs several times its start in building
 * (transitions, effect calls); starting them as fast as they are accepted would let the
 * building of earlier services crowd out the requests still arriving. Throttled, webhooks are
 * answered promptly through a burst and the builds catch up after it.
 *
 * Nothing here is durable and nothing needs to be: a service recorded without a snapshot is
 * started afresh at boot (ActorRegistry.boot), so a crash loses no accepted service.
 */
import { performance } from 'node:perf_hooks';

/** Long enough to amortise the turn, short enough to stay well under a request's latency budget. */
const DEFAULT_SLICE_MS = 4;
/**
 * One start per pause under overload: two a second. A build costs ~40 ms of CPU against the
 * zero-latency sandbox (docs/performance.md §3), about 30 accepts' worth, so even 50 starts a
 * second would outgrow any burst's spare CPU.
 */
const DEFAULT_BUSY_PAUSE_MS = 500;

export interface StartQueueOptions {
  readonly sliceMs?: number;
  /** The process is overloaded right now: start one and pause. Default: never. */
  readonly busy?: () => boolean;
  readonly busyPauseMs?: number;
}

export class StartQueue<Input> {
  private readonly waiting = new Map<string, Input>();
  private readonly start: (serviceId: string, input: Input) => void;
  private readonly sliceMs: number;
  private readonly busy: () => boolean;
  private readonly busyPauseMs: number;
  private scheduled: { readonly cancel: () => void } | null = null;

  constructor(start: (serviceId: string, input: Input) => void, options: StartQueueOptions = {}) {
    this.start = start;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.busy = options.busy ?? (() => false);
    this.busyPauseMs = options.busyPauseMs ?? DEFAULT_BUSY_PAUSE_MS;
  }

  get size(): number {
    return this.waiting.size;
  }

  enqueue(serviceId: string, input: Input): void {
    this.waiting.set(serviceId, input);
    if (this.scheduled === null) this.schedule();
  }

  /**
   * Start one waiting service now, ahead of its turn: a command for it arrived before its
   * actor did. Returns false when it was not waiting.
   */
  startNow(serviceId: string): boolean {
    const input = this.waiting.get(serviceId);
    if (input === undefined) return false;
    this.waiting.delete(serviceId);
    this.start(serviceId, input);
    return true;
  }

  /** Drop a waiting start whose service was never committed (its transaction failed). */
  forget(serviceId: string): void {
    this.waiting.delete(serviceId);
  }

  /** Forget every waiting start (shutdown): each is started at the next boot. */
  clear(): void {
    this.waiting.clear();
    this.scheduled?.cancel();
    this.scheduled = null;
  }

  /** The next slice: on the next turn, or after a pause when the process is overloaded. */
  private schedule(): void {
    if (this.busy()) {
      const timer = setTimeout(() => this.drain(true), this.busyPauseMs);
      this.scheduled = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(() => this.drain(false));
      this.scheduled = { cancel: () => clearImmediate(immediate) };
    }
  }

  private drain(throttled: boolean): void {
    this.scheduled = null;
    const until = performance.now() + this.sliceMs;
    // Oldest first: a Map iterates in insertion order.
    for (const [serviceId, input] of this.waiting) {
      this.waiting.delete(serviceId);
      this.start(serviceId, input);
      if (throttled || performance.now() >= until) break;
    }
    if (this.waiting.size > 0) this.schedule();
  }
}
