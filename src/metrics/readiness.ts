/**
 * Whether the daemon should be sent work (GET /readyz): its services are restored, it is not
 * shutting down, and each named check (the database answers, say) passes right now.
 */
export interface ReadinessReport {
  readonly ready: boolean;
  readonly shuttingDown: boolean;
  /** Why it is not ready, one sentence each; empty when ready. */
  readonly reasons: readonly string[];
}

/** A check throws (or returns a reason) when its part cannot serve. */
export type ReadinessCheck = () => string | undefined | void;

export class Readiness {
  private booted = false;
  private stopping = false;

  constructor(private readonly checks: Readonly<Record<string, ReadinessCheck>> = {}) {}

  /** Services are restored and the server is about to listen. */
  markBooted(): void {
    this.booted = true;
  }

  /** From the first signal on, the answer is 503 for good. */
  markShuttingDown(): void {
    this.stopping = true;
  }

  get shuttingDown(): boolean {
    return this.stopping;
  }

  report(): ReadinessReport {
    const reasons: string[] = [];
    if (this.stopping) reasons.push('shutting down');
    if (!this.booted) reasons.push('services are not restored yet');
    for (const [name, check] of Object.entries(this.checks)) {
      try {
        const reason = check();
        if (typeof reason === 'string') reasons.push(`${name}: ${reason}`);
      } catch (error) {
        reasons.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return { ready: reasons.length === 0, shuttingDown: this.stopping, reasons };
  }
}
