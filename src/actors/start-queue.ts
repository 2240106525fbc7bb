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
 * How many may build at once is not this queue's decision: `admit` says whether another may
 * start now (build-pacer.ts), and `resume` is called when the answer turns to yes.
 *
 * Nothing here is durable and nothing needs to be: a service recorded without a snapshot is
 * started afresh at boot (ActorRegistry.boot), so a crash loses no accepted service.
 */
import { performance } from 'node:perf_hooks';

/** Long enough to amortise the turn, short enough to stay well under a request's latency budget. */
const DEFAULT_SLICE_MS = 4;

export class StartQueue<Input> {
  private readonly waiting = new Map<string, Input>();
  private readonly start: (serviceId: string, input: Input) => void;
  private readonly sliceMs: number;
  private readonly admit: () => boolean;
  private scheduled: NodeJS.Immediate | null = null;

  constructor(
    start: (serviceId: string, input: Input) => void,
    options: { readonly sliceMs?: number; readonly admit?: () => boolean } = {},
  ) {
    this.start = start;
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.admit = options.admit ?? (() => true);
  }

  /** Room for more starts appeared: drain again on the next turn. */
  resume(): void {
    if (this.waiting.size > 0) this.scheduled ??= setImmediate(() => this.drain());
  }

  get size(): number {
    return this.waiting.size;
  }

  enqueue(serviceId: string, input: Input): void {
    this.waiting.set(serviceId, input);
    this.scheduled ??= setImmediate(() => this.drain());
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
    if (this.scheduled !== null) clearImmediate(this.scheduled);
    this.scheduled = null;
  }

  private drain(): void {
    this.scheduled = null;
    const until = performance.now() + this.sliceMs;
    // Oldest first: a Map iterates in insertion order.
    for (const [serviceId, input] of this.waiting) {
      // Held back: resume() drains again when the pacer grants turns (build-pacer.ts).
      if (!this.admit()) return;
      this.waiting.delete(serviceId);
      this.start(serviceId, input);
      if (performance.now() >= until) break;
    }
    if (this.waiting.size > 0) this.scheduled = setImmediate(() => this.drain());
  }
}
