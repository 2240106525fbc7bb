/**
 * Cloudflare's API budget, kept on our side: 1200 requests per 5 minutes per token, shared with
 * the dashboard and every other key (reference NOTES §4). Going over does not just fail one call:
 * Cloudflare answers 429 to *every* call for the next five minutes, and refused calls still count.
 * So we keep a sliding log of what we sent and refuse locally before the server has to, and when
 * the server does say 429 anyway (someone else spent the budget) we stop sending until its
 * Retry-After has passed instead of prolonging the block.
 */

export interface BudgetLimit {
  readonly requests: number;
  readonly windowMs: number;
}

export const DEFAULT_BUDGET: BudgetLimit = { requests: 1200, windowMs: 300_000 };

/**
 * `blocked`: Cloudflare itself refused us (429) and its Retry-After has not passed; otherwise
 * our own log says the window is full. Operators act differently on the two.
 */
export type BudgetDecision = { readonly allowed: true } | { readonly allowed: false; readonly waitMs: number; readonly blocked: boolean };

export interface BudgetStatus {
  readonly used: number;
  readonly limit: number;
  readonly windowMs: number;
  /** Milliseconds until the next call may be sent (0: now). */
  readonly waitMs: number;
}

export class RequestBudget {
  /** Send times inside the window, oldest first. */
  private sent: number[] = [];
  private blockedUntil = 0;

  constructor(
    readonly limit: BudgetLimit,
    private readonly now: () => number,
  ) {
    if (!(Number.isInteger(limit.requests) && limit.requests >= 1) || !(limit.windowMs > 0)) {
      throw new RangeError('the Cloudflare budget needs requests ≥ 1 (an integer) and windowMs > 0');
    }
  }

  /** Spend one request if the window has room; otherwise say how long until it will. */
  take(): BudgetDecision {
    const t = this.now();
    this.expire(t);
    const waitMs = this.waitAt(t);
    if (waitMs > 0) return { allowed: false, waitMs, blocked: this.blockedUntil - t >= waitMs };
    this.sent.push(t);
    return { allowed: true };
  }

  /** The server refused us (429): send nothing until `ms` from now. */
  blockFor(ms: number): void {
    this.blockedUntil = Math.max(this.blockedUntil, this.now() + Math.max(0, ms));
  }

  status(): BudgetStatus {
    const t = this.now();
    this.expire(t);
    return { used: this.sent.length, limit: this.limit.requests, windowMs: this.limit.windowMs, waitMs: this.waitAt(t) };
  }

  private waitAt(t: number): number {
    const blocked = Math.max(0, this.blockedUntil - t);
    if (this.sent.length < this.limit.requests) return blocked;
    // Full: the oldest call in the window has to age out first.
    const oldest = this.sent[this.sent.length - this.limit.requests] ?? t;
    return Math.max(blocked, oldest + this.limit.windowMs - t, 1);
  }

  private expire(t: number): void {
    let drop = 0;
    while (drop < this.sent.length && (this.sent[drop] ?? t) <= t - this.limit.windowMs) drop++;
    if (drop > 0) this.sent = this.sent.slice(drop);
  }
}
