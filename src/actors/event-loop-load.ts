/**
 * How busy the event loop has been lately: the share of the last sampling period it spent
 * running callbacks rather than waiting for I/O (Node's event-loop utilisation), sampled on
 * an unref'd timer so that reading it costs nothing.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

const DEFAULT_PERIOD_MS = 100;

export class EventLoopLoad {
  private previous: EventLoopUtilization = performance.eventLoopUtilization();
  private latest = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(periodMs = DEFAULT_PERIOD_MS) {
    this.timer = setInterval(() => {
      const now = performance.eventLoopUtilization();
      this.latest = performance.eventLoopUtilization(now, this.previous).utilization;
      this.previous = now;
    }, periodMs);
    this.timer.unref();
  }

  /** 0 (idle) to 1 (never idle) over the last complete period. */
  get utilization(): number {
    return this.latest;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
