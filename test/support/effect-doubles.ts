/**
 * Test doubles for the machines' effects. They enter only through `machine.provide()`
 * (the same seam production uses) and record every call so tests can assert order.
 */
import { fromPromise } from 'xstate';
import type { StepError } from '../../src/domain/step-error.js';
import { serviceEffects, domainEffects } from '../../src/machines/effect-contracts.js';
import { domainMachine } from '../../src/machines/domain.machine.js';
import { serviceMachine } from '../../src/machines/service.machine.js';

export type Outcome = 'ok' | StepError | 'hang';
/** Decides the outcome of the nth call (1-based) of an effect. */
export type Script = (call: number, input: unknown) => Outcome;

export interface Call {
  readonly name: string;
  readonly input: unknown;
}

export const permanent = (code = 'BOOM'): StepError => ({ code, message: `${code} (permanent, injected)`, retryable: false });
export const transient = (code = 'FLAKY'): StepError => ({ code, message: `${code} (transient, injected)`, retryable: true });
/** Fails the first `n` calls with `error`, then succeeds. */
export const failTimes = (n: number, error: StepError): Script => (call) => (call <= n ? error : 'ok');

const OUTPUTS: Record<string, (input: Record<string, unknown>) => unknown> = {
  allocate: () => ({ subdomain: 'customer', privateIp: '127.0.10.100', vmid: 9000 }),
  createContainer: () => ({ node: 'node1' }),
};

export class EffectDoubles {
  readonly calls: Call[] = [];
  /** Names of calls whose AbortSignal fired (the machine cancelled them), in order. */
  readonly aborted: string[] = [];
  /** The `deadlineAt` of every durable timer started, in order. */
  readonly timers: number[] = [];
  private readonly scripts = new Map<string, Script>();
  private readonly counts = new Map<string, number>();
  private readonly hanging = new Map<string, () => void>();
  private heldTimers: (() => void)[] | null = null;

  /** Script an effect's outcomes; unscripted effects succeed. */
  script(name: string, script: Script): this {
    this.scripts.set(name, script);
    return this;
  }

  callsOf(name: string): Call[] {
    return this.calls.filter((call) => call.name === name);
  }

  names(): string[] {
    return this.calls.map((call) => call.name);
  }

  /** Resolve a call that was scripted to 'hang'. */
  release(name: string): void {
    this.hanging.get(name)?.();
    this.hanging.delete(name);
  }

  /** From now on timers wait for `releaseTimers()` instead of firing at once. */
  holdTimers(): this {
    this.heldTimers ??= [];
    return this;
  }

  /** Fire every held timer that is waiting now (timers started later are held again). */
  releaseTimers(): void {
    const waiting = this.heldTimers ?? [];
    if (this.heldTimers !== null) this.heldTimers = [];
    for (const fire of waiting) fire();
  }

  private timer() {
    return fromPromise<void, { deadlineAt: number }>(({ input }) => {
      this.timers.push(input.deadlineAt);
      return new Promise((resolve) => {
        if (this.heldTimers === null) setImmediate(resolve);
        else this.heldTimers.push(() => resolve());
      });
    });
  }

  private logic(name: string) {
    return fromPromise<unknown, Record<string, unknown>>(({ input, signal }) => {
      const call = (this.counts.get(name) ?? 0) + 1;
      this.counts.set(name, call);
      this.calls.push({ name, input });
      const outcome = this.scripts.get(name)?.(call, input) ?? 'ok';
      if (outcome === 'hang') {
        return new Promise((resolve, reject) => {
          this.hanging.set(name, () => resolve(OUTPUTS[name]?.(input)));
          signal.addEventListener('abort', () => {
            this.aborted.push(name);
            reject(new Error('aborted'));
          });
        });
      }
      if (outcome !== 'ok') return Promise.reject(outcome);
      return Promise.resolve(OUTPUTS[name]?.(input));
    });
  }

  /** Implementations for `serviceMachine.provide({ actors })`. Timers fire at once unless held. */
  serviceActors() {
    const actors: Record<string, unknown> = {};
    for (const name of Object.keys(serviceEffects)) actors[name] = this.logic(name);
    actors.sleepUntil = this.timer();
    actors.domain = this.domain();
    return actors as never;
  }

  /** The service machine with every effect replaced by these doubles. */
  machine() {
    return serviceMachine.provide({ actors: this.serviceActors() });
  }

  /** The custom-domain machine alone, with its effects replaced by these doubles. */
  domain() {
    return domainMachine.provide({ actors: this.domainActors() });
  }

  domainActors() {
    const actors: Record<string, unknown> = {};
    for (const name of Object.keys(domainEffects)) actors[name] = this.logic(name);
    actors.sleepUntil = this.timer();
    return actors as never;
  }
}

/** Let promise doubles and immediate timers settle. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
