/**
 * A fault storm: N lifecycles at once against a sandbox process and a daemon process, every
 * simulator operation hit at `rate` by the transient mix (fault-mix.ts), NPM tokens and
 * ISPConfig sessions expired every few seconds. Returns what happened to each lifecycle and
 * what the sandbox counted; the faults are cleared before it returns, so that whoever checks
 * the outcome looks at the systems undisturbed.
 */
import type { ProcessStack } from '../support/sandbox-process.js';
import { SandboxControl } from './control.js';
import { DNS_PUBLISH_GRACE, lateWrites, onceEach, transientMix, type MixRule } from './fault-mix.js';
import { figuresOf, type Figures } from './figures.js';
import { runLifecycle, type LifecycleOutcome, type LifecyclePlan } from './lifecycle.js';
import { ServiceBoard } from './service-board.js';

export interface StormOptions {
  readonly rate: number;
  readonly services: number;
  /** Seed of the sandbox's fault generator (draws are replayable; with concurrency, their order is not). */
  readonly seed: number;
  /** Distinguishes this storm's service ids, subdomains and domains from others on the same daemon. */
  readonly tag: string;
  /** One lifecycle in `keepEvery` is left active; the rest are deleted. Default 4. */
  readonly keepEvery?: number;
  /** Expire NPM tokens and ISPConfig sessions this often. Default 3 s. */
  readonly expireEveryMs?: number;
  /** A phase with no committed change for this long is stuck. Default 150 s (the longest wait a machine makes is 60 s, a client's timeout 30 s). */
  readonly idleMs?: number;
  /** Longest one phase may take in any case. Default 15 min. */
  readonly phaseTimeoutMs?: number;
  /** `retry`s per lifecycle for exhausted retry budgets. Default 3. */
  readonly maxRetries?: number;
  /** Passed to the mix: time-outs at rate × this. */
  readonly timeoutShare?: number;
  /** Lifecycles start this far apart, as orders trickle in. Default 100 ms. */
  readonly staggerMs?: number;
  /** Add one late write per write operation (fault-mix.ts `lateWrites`). Default false. */
  readonly lateWrites?: boolean;
}

export interface StormReport {
  readonly options: StormOptions;
  readonly durationMs: number;
  readonly outcomes: readonly LifecycleOutcome[];
  readonly figures: Figures;
  /** `onceEach` rules that were hit, of all of them. */
  readonly onceEach: { readonly hit: number; readonly of: number };
  /** How often tokens and sessions were expired during the storm. */
  readonly expiries: number;
}

/** Practically "always", but a count: what is left of it tells how many calls it delayed. */
const GRACE_TIMES = 1_000_000;

export function plansFor(options: Pick<StormOptions, 'services' | 'tag' | 'keepEvery'>): LifecyclePlan[] {
  const keepEvery = options.keepEvery ?? 4;
  return Array.from({ length: options.services }, (_, i) => ({
    serviceId: `storm-${options.tag}-${i + 1}`,
    // The subdomain comes from the address: one of its own per lifecycle.
    email: `st${options.tag}n${i + 1}@example.com`,
    domain: `shop${i + 1}-${options.tag}.example.org`,
    end: (i + 1) % keepEvery === 0 ? 'active' : 'deleted',
  }));
}

export async function runStorm(stack: ProcessStack, options: StormOptions): Promise<StormReport> {
  const control = new SandboxControl(stack.sandbox.connection.control.url);
  // Late writes are single hits too; first, so that the once-each errors do not take their calls.
  const once = [...(options.lateWrites === true ? lateWrites() : []), ...onceEach()];
  const grace: MixRule = { ...DNS_PUBLISH_GRACE, times: GRACE_TIMES };
  await control.clear(options.seed);
  await control.resetCounters();
  await control.inject([...once, ...transientMix({ rate: options.rate, ...(options.timeoutShare === undefined ? {} : { timeoutShare: options.timeoutShare }) }), grace]);

  const board = new ServiceBoard(stack.api);
  let expiries = 0;
  const expiry = setInterval(() => {
    // A failed expiry is not the daemon's failure; the next tick tries again.
    control.expireCredentials().then(() => expiries++, () => undefined);
  }, options.expireEveryMs ?? 3_000);
  const started = Date.now();
  board.start();
  let outcomes: LifecycleOutcome[];
  try {
    const deps = {
      api: stack.api,
      board,
      publishTxt: (name: string, values: readonly string[]) => stack.sandbox.publishTxt(name, values),
      patience: { idleMs: options.idleMs ?? 150_000, timeoutMs: options.phaseTimeoutMs ?? 900_000 },
      maxRetries: options.maxRetries ?? 3,
    };
    outcomes = await Promise.all(
      plansFor(options).map(async (plan, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * (options.staggerMs ?? 100)));
        return runLifecycle(plan, deps);
      }),
    );
  } finally {
    clearInterval(expiry);
    board.stop();
  }
  const durationMs = Date.now() - started;
  // Counted before the faults go: the checks that follow add calls of their own.
  const [counters, armed] = await Promise.all([control.counters(), control.armed()]);
  await control.clear();
  const graceLeft = armed.find((r) => r.op === grace.op && r.kind === 'latency' && r.times !== 1);
  const delayed = graceLeft === undefined || typeof graceLeft.times !== 'number' ? 0 : GRACE_TIMES - graceLeft.times;
  // Late writes are delays too, as the counters see them, but they are the point: counted as faults.
  const stillArmed = armed.filter((r) => r.times === 1 && once.some((o) => o.op === r.op && o.kind === r.kind && o.status === r.status)).length;
  return {
    options,
    durationMs,
    outcomes,
    figures: figuresOf(counters, { [grace.op]: delayed }),
    onceEach: { hit: once.length - stillArmed, of: once.length },
    expiries,
  };
}
