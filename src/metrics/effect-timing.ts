/**
 * Timing of infrastructure effects, where they are composed (src/infrastructure.ts): each
 * effect function is wrapped once, knowing the system it talks to and the machine's name for
 * the operation. Observers hear when a call starts and how it ended; the wrapper changes
 * neither the result nor the error.
 */
import { toStepError } from '../errors.js';

/** How an effect call ended: a cancelled one was aborted by its caller (a state was left). */
export type EffectOutcome = { readonly outcome: 'ok' } | { readonly outcome: 'error'; readonly code: string } | { readonly outcome: 'cancelled' };

export interface EffectCall {
  readonly system: string;
  readonly operation: string;
}

/** Told when an effect starts; the returned function is called once, when it settles. */
export type EffectObserver = (call: EffectCall) => (outcome: EffectOutcome) => void;

type EffectFunction = (input: never, signal: AbortSignal) => Promise<unknown>;

/** Every observer hears every call. */
export function observeAll(...observers: readonly EffectObserver[]): EffectObserver {
  return (call) => {
    const ends = observers.map((observer) => observer(call));
    return (outcome) => {
      for (const end of ends) end(outcome);
    };
  };
}

/** One effect function, observed. A rejection after the caller's signal aborted counts as cancelled. */
export function instrumentEffect<F extends EffectFunction>(call: EffectCall, run: F, observer: EffectObserver): F {
  const observed = async (input: never, signal: AbortSignal): Promise<unknown> => {
    const end = observer(call);
    try {
      const result = await run(input, signal);
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end(signal.aborted ? { outcome: 'cancelled' } : { outcome: 'error', code: toStepError(error).code });
      throw error;
    }
  };
  return observed as F;
}

/**
 * Every supplied function of `functions`, observed under its own name as the operation and the
 * system `systems` names for it. `systems` must name a system for every key, so an effect added
 * later cannot go unmeasured without the compiler noticing.
 */
export function instrumentEffects<T extends { readonly [K in keyof T]?: EffectFunction }>(
  functions: T,
  systems: { readonly [K in keyof Required<T>]: string },
  observer: EffectObserver | undefined,
): T {
  if (observer === undefined) return functions;
  const observed: Partial<Record<keyof T, EffectFunction>> = {};
  for (const key of Object.keys(functions) as (keyof T & string)[]) {
    const run = functions[key];
    if (run !== undefined) observed[key] = instrumentEffect({ system: systems[key], operation: key }, run as EffectFunction, observer);
  }
  return observed as T;
}
