/**
 * What one service goes through in a chaos run, decided by the seeded generator: the commands
 * Paymenter would send (create → suspend → unsuspend → custom domain → delete, or a prefix of
 * that ending `active` or `suspended`), and which of them are sent "eagerly", while the service
 * is still busy with the previous one. Pure data; the driver carries it out.
 */
import type { Prng } from './prng.js';

export type FinalState = 'active' | 'suspended' | 'deleted';

export type Action =
  | { readonly kind: 'create' }
  | { readonly kind: 'suspend'; readonly eager: boolean }
  | { readonly kind: 'unsuspend'; readonly eager: boolean }
  /** Never eager: the API accepts a domain only on an active or suspended service. */
  | { readonly kind: 'addDomain'; readonly domain: string }
  | { readonly kind: 'delete'; readonly eager: boolean };

export interface ServiceScript {
  readonly serviceId: string;
  readonly email: string;
  /** The driver starts once this many kills have happened, so lifecycles span the whole run. */
  readonly startAfterKill: number;
  readonly actions: readonly Action[];
  /** Where the service must end. */
  readonly final: FinalState;
  /** The custom domain that must be active at the end (live services only), or null. */
  readonly domain: string | null;
}

/**
 * The state a service converges to once `action` is applied. The latest suspend/unsuspend
 * wins, even when sent during a busy phase, so this holds for eager commands too.
 */
export function goalOf(action: Exclude<Action, { kind: 'addDomain' }>): FinalState {
  switch (action.kind) {
    case 'create':
    case 'unsuspend':
      return 'active';
    case 'suspend':
      return 'suspended';
    case 'delete':
      return 'deleted';
  }
}

export interface ScriptOptions {
  readonly seed: number;
  /** Index of the service in the run (0-based). */
  readonly index: number;
  /** Services start between kill 0 and this kill number. */
  readonly lastStartKill: number;
}

/** One service's script; the same (seed, index) always gives the same script. */
export function scriptFor(prng: Prng, options: ScriptOptions): ServiceScript {
  const { seed, index } = options;
  const number = String(index + 1).padStart(3, '0');
  const serviceId = `chaos-${seed}-${number}`;
  const domain = `shop${number}.chaos${seed}.example.org`;
  const eager = (): boolean => prng.chance(0.25);
  const startAfterKill = prng.int(0, options.lastStartKill);
  const roll = prng.next();
  const actions: Action[] = [{ kind: 'create' }];
  let final: FinalState;
  let withDomain = false;
  if (roll < 0.1) {
    // Deleted while it is still being built: the teardown meets half a site.
    actions.push({ kind: 'delete', eager: true });
    final = 'deleted';
  } else if (roll < 0.45) {
    if (prng.chance(0.7)) actions.push({ kind: 'suspend', eager: eager() }, { kind: 'unsuspend', eager: eager() });
    withDomain = prng.chance(0.6);
    if (withDomain) actions.push({ kind: 'addDomain', domain });
    actions.push({ kind: 'delete', eager: eager() });
    final = 'deleted';
  } else if (roll < 0.75) {
    if (prng.chance(0.6)) actions.push({ kind: 'suspend', eager: eager() }, { kind: 'unsuspend', eager: eager() });
    withDomain = prng.chance(0.6);
    if (withDomain) actions.push({ kind: 'addDomain', domain });
    final = 'active';
  } else {
    if (prng.chance(0.4)) actions.push({ kind: 'suspend', eager: eager() }, { kind: 'unsuspend', eager: eager() });
    withDomain = prng.chance(0.5);
    if (withDomain) actions.push({ kind: 'addDomain', domain });
    actions.push({ kind: 'suspend', eager: eager() });
    final = 'suspended';
  }
  return {
    serviceId,
    email: `chaos.customer${number}@example.com`,
    startAfterKill,
    actions,
    final,
    domain: withDomain && final !== 'deleted' ? domain : null,
  };
}
