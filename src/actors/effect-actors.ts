/**
 * Turns plain effect functions `(input, signal) => Promise<output>` into the actor logic the
 * machines invoke. Thrown errors become StepErrors (plain data) so they can be persisted
 * and read by guards. Effects that are not supplied keep the machines' placeholders, which
 * fail with EFFECT_UNAVAILABLE instead of pretending to succeed.
 */
import { fromPromise, type InputFrom, type OutputFrom, type PromiseActorLogic } from 'xstate';
import { toStepError } from '../errors.js';
import type { CancelledEffects } from './cancelled-effects.js';
import type { UndoInput } from '../machines/effect-contracts.js';
import type { domainEffects, serviceEffects } from '../machines/effect-contracts.js';

type EffectFunctions<T> = {
  [K in keyof T]?: T[K] extends PromiseActorLogic<infer _O, infer _I>
    ? (input: InputFrom<T[K]>, signal: AbortSignal) => Promise<OutputFrom<T[K]>>
    : never;
};

/** Infrastructure effects of the service lifecycle; `undoStep` is composed from these. */
export type ServiceEffectFunctions = Omit<EffectFunctions<typeof serviceEffects>, 'undoStep' | 'sleepUntil' | 'allocate' | 'releaseAllocation'>;
export type DomainEffectFunctions = Omit<EffectFunctions<typeof domainEffects>, 'sleepUntil'>;

/**
 * Actor logic around an effect function. With `cancelled`, the effect first waits for the
 * service's cancelled effects to settle (their writes land before anything looks for them).
 */
export function wrapEffect<I extends { readonly serviceId: string }, O>(run: (input: I, signal: AbortSignal) => Promise<O>, cancelled?: CancelledEffects) {
  return fromPromise<O, I>(async ({ input, signal }) => {
    try {
      return cancelled === undefined ? await run(input, signal) : await cancelled.run(input.serviceId, signal, () => run(input, signal));
    } catch (error) {
      throw toStepError(error);
    }
  });
}

/** Actor logic for every supplied function; absent ones are left to the placeholders. */
export function toActorLogic(functions: Record<string, ((input: never, signal: AbortSignal) => Promise<unknown>) | undefined>, cancelled?: CancelledEffects) {
  const logic: Record<string, ReturnType<typeof wrapEffect>> = {};
  for (const [name, run] of Object.entries(functions)) {
    if (run !== undefined) logic[name] = wrapEffect(run as (input: { serviceId: string }, signal: AbortSignal) => Promise<unknown>, cancelled);
  }
  return logic;
}

/** Compensation: the inverse of each provisioning step, from the supplied effects. */
export function undoFromEffects(effects: ServiceEffectFunctions, cancelled?: CancelledEffects) {
  const inverses: Record<UndoInput['step'], ((input: UndoInput, signal: AbortSignal) => Promise<void>) | undefined> = {
    container: effects.destroyContainer,
    ha: effects.removeHa,
    dnsRecord: effects.deleteDnsRecord,
    proxyHost: effects.deleteProxyHost,
    snapshot: effects.deleteSnapshots,
  };
  return fromPromise<void, UndoInput>(async ({ input, signal }) => {
    const inverse = inverses[input.step];
    if (inverse === undefined) return unavailableUndo(input.step);
    try {
      await (cancelled === undefined ? inverse(input, signal) : cancelled.run(input.serviceId, signal, () => inverse(input, signal)));
    } catch (error) {
      throw toStepError(error);
    }
  });
}

function unavailableUndo(step: string): Promise<never> {
  return Promise.reject({ code: 'EFFECT_UNAVAILABLE', message: `no implementation is configured to undo the "${step}" step`, retryable: false });
}
