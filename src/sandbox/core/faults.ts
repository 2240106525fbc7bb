/**
 * Fault injection and call counters, shared by every simulator. A rule names an operation
 * (`proxmox.lxc.create`) or a family (`proxmox.*`, `*`) and says what goes wrong: an HTTP
 * status with the system's own error shape, a reset connection, a request that never answers,
 * or added latency. Rules fire a number of times, optionally with a probability drawn from a
 * seeded generator so that a faulty run can be replayed.
 */

export type FaultKind = 'status' | 'reset' | 'timeout' | 'latency';

export interface FaultRule {
  /** Exact operation name, a prefix ending in `*`, or `*` for all. */
  readonly op: string;
  readonly kind: FaultKind;
  /** For `status`: the HTTP status (SSH: the exit code) to answer with. */
  readonly status?: number;
  /** For `status`: the error message, formatted the way the real system would. */
  readonly message?: string;
  /** Extra response headers (e.g. Retry-After with a 429). */
  readonly headers?: Readonly<Record<string, string>>;
  /** For `latency`: milliseconds added before the operation runs. */
  readonly latencyMs?: number;
  /** How many matching calls this rule may hit; default 1. `Infinity` for a standing fault. */
  readonly times?: number;
  /** Chance in [0, 1] that a matching call is hit; default 1. */
  readonly probability?: number;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

export interface OperationCounters {
  calls: number;
  inFlight: number;
  maxInFlight: number;
  faulted: number;
}

/** Mulberry32: tiny, seedable, good enough to replay a fault schedule. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function matches(pattern: string, op: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? op.startsWith(pattern.slice(0, -1)) : pattern === op;
}

export class Faults {
  private rules: ActiveRule[] = [];
  private readonly counters = new Map<string, OperationCounters>();
  private random: () => number;

  constructor(seed = 1) {
    this.random = seeded(seed);
  }

  inject(rule: FaultRule): void {
    if (rule.kind === 'status' && rule.status === undefined) throw new RangeError('a status fault needs a status');
    this.rules.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clear(seed?: number): void {
    this.rules = [];
    if (seed !== undefined) this.random = seeded(seed);
  }

  /** Rules still armed, for the control API. */
  list(): FaultRule[] {
    return this.rules.map(({ remaining, ...rule }) => ({ ...rule, times: remaining }));
  }

  /**
   * Count a call of `op` as begun and return the fault it must suffer, if any. Call the
   * returned `end` when the call is over (answered, failed or abandoned).
   */
  begin(op: string): { fault: FaultRule | undefined; end: () => void } {
    const counter = this.counter(op);
    counter.calls++;
    counter.inFlight++;
    counter.maxInFlight = Math.max(counter.maxInFlight, counter.inFlight);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      counter.inFlight--;
    };
    const fault = this.take(op);
    if (fault !== undefined) counter.faulted++;
    return { fault, end };
  }

  counts(): Record<string, OperationCounters> {
    return Object.fromEntries([...this.counters].map(([op, c]) => [op, { ...c }]));
  }

  resetCounters(): void {
    this.counters.clear();
  }

  private take(op: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.remaining <= 0 || !matches(rule.op, op)) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      rule.remaining--;
      this.rules = this.rules.filter((r) => r.remaining > 0);
      return rule;
    }
    return undefined;
  }

  private counter(op: string): OperationCounters {
    let counter = this.counters.get(op);
    if (counter === undefined) {
      counter = { calls: 0, inFlight: 0, maxInFlight: 0, faulted: 0 };
      this.counters.set(op, counter);
    }
    return counter;
  }
}
