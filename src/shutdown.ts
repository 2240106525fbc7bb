/**
 * Graceful shutdown of the daemon (SIGTERM, SIGINT; also an uncaught error, which then exits 1):
 * readiness answers 503 at once, the server stops accepting (feed clients get 1001), actors
 * stop at their last commit, and effects already under way get the grace period to settle —
 * their reads stop at once when aborted, but a write already sent runs to its answer
 * (docs/architecture.md §7) — before the clients and the database close. A second signal, or a
 * shutdown that overruns the grace period by CLOSE_MARGIN_MS, exits at once with status 1:
 * SQLite's WAL keeps every commit, and the steps cut off run again at the next start.
 */
import closeWithGrace from 'close-with-grace';
import type { Logger } from './log.js';

export interface ShutdownSteps {
  /** Close the HTTP server: no new connections, requests in flight are answered. */
  stopAccepting(): Promise<void>;
  /** Periodic work (the reconciler). */
  stopBackground(): Promise<void>;
  /** Stop every actor at its last commit; this aborts the effects they invoked. */
  stopActors(): void;
  /** Resolves true once no effect call is in flight, false if `timeoutMs` passes first. */
  effectsSettled(timeoutMs: number): Promise<boolean>;
  effectsInFlight(): number;
  closeClients(): Promise<void>;
  closeDatabase(): void;
  closeSandbox(): Promise<void>;
}

export interface ShutdownOptions {
  readonly logger: Logger;
  /** How long effects already sent may take to settle. */
  readonly graceMs: number;
  readonly readiness: { markShuttingDown(): void };
  readonly steps: ShutdownSteps;
  /** Default CLIENTS_CLOSE_MS. */
  readonly clientsCloseMs?: number;
}

/** Time for closing clients and the database after the grace period, before the hard exit. */
export const CLOSE_MARGIN_MS = 10_000;
/**
 * Closing a client waits for its requests; one still hanging after the grace period (a write
 * with no answer yet) would hold it until its own timeout. Past this, exit goes on without it.
 */
export const CLIENTS_CLOSE_MS = 5_000;

/** True if `work` finished within `ms`. */
async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The shutdown itself, without the process signals: testable, and awaited by the handler. */
export async function shutDown(options: ShutdownOptions, reason: string): Promise<void> {
  const { logger, steps } = options;
  const began = Date.now();
  const deadline = began + options.graceMs;
  options.readiness.markShuttingDown();
  logger.info({ reason, graceSeconds: options.graceMs / 1000 }, 'shutting down: no new requests; actors stop at their last commit');
  await steps.stopAccepting();
  await steps.stopBackground();
  steps.stopActors();
  const inFlight = steps.effectsInFlight();
  if (inFlight > 0) {
    logger.info({ inFlight }, 'waiting for effects already under way to settle');
    if (!(await steps.effectsSettled(Math.max(0, deadline - Date.now())))) {
      logger.warn({ inFlight: steps.effectsInFlight() }, 'grace period over: effects still running are cut off; their steps run again at the next start');
    }
  }
  const clientsCloseMs = options.clientsCloseMs ?? CLIENTS_CLOSE_MS;
  if (!(await within(steps.closeClients(), clientsCloseMs))) logger.warn({ ms: clientsCloseMs }, 'clients did not close in time: their requests are cut off');
  steps.closeDatabase();
  await steps.closeSandbox();
  logger.info({ ms: Date.now() - began }, 'provisiond stopped');
}

/** Run shutDown on the first signal (or uncaught error); close-with-grace then exits the process. */
export function installShutdown(options: ShutdownOptions): void {
  const { logger } = options;
  closeWithGrace(
    {
      delay: options.graceMs + CLOSE_MARGIN_MS,
      logger: { error: (err: unknown) => logger.error({ err }, 'shutdown failed') },
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal: exiting now'),
      onSecondError: (err) => logger.error({ err }, 'error while shutting down: exiting now'),
      onTimeout: (delay) => logger.error({ ms: delay }, 'shutdown overran the grace period: exiting now'),
    },
    async ({ signal, err }) => {
      if (err !== undefined) logger.fatal({ err }, 'uncaught error: shutting down');
      await shutDown(options, signal ?? (err === undefined ? 'exit' : 'error'));
    },
  );
}
