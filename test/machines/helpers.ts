/**
 * Shared setup for the statechart tests: a fixed service input, a started actor over the
 * EffectDoubles (which enter only through `machine.provide()`), and small readers of what
 * the doubles saw. Addresses are loopback or documentation ranges only.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createActor, type InspectionEvent, type Snapshot } from 'xstate';
import type { ServiceInput } from '../../src/machines/service.types.js';
import { settle, type EffectDoubles } from '../support/effect-doubles.js';

export const INPUT: ServiceInput = {
  serviceId: 'svc-42',
  email: 'customer@example.com',
  plan: 'basic',
  publicIp: '203.0.113.7',
  baseDomain: 'sites.test',
  resources: { memoryMb: 1024, diskGb: 10, cores: 1 },
  domainQuota: 2,
};

/** What the allocate double hands out (see OUTPUTS in effect-doubles.ts). */
export const ALLOCATION = { subdomain: 'customer', privateIp: '127.0.10.100', vmid: 9000 } as const;
export const FQDN = `${ALLOCATION.subdomain}.${INPUT.baseDomain}`;

/** The top-level states of the service machine (its persisted `value` names). */
export const TOP_STATES = [
  'pending',
  'allocating',
  'provisioning',
  'compensating',
  'failed',
  'active',
  'suspending',
  'suspended',
  'resuming',
  'reinstalling',
  'restoring',
  'resizing',
  'deleting',
  'deleted',
] as const;
export type TopState = (typeof TOP_STATES)[number];

/** The deletion workflow, one effect per step, in order. */
export const DELETION_ORDER = [
  'shutdownContainer',
  'removeHa',
  'deleteSnapshots',
  'destroyContainer',
  'deleteDnsRecord',
  'deleteProxyHost',
  'purgeDomains',
  'releaseAllocation',
] as const;
const DELETION_EFFECTS: readonly string[] = [...DELETION_ORDER, 'stopContainer'];

export interface StartOptions {
  readonly input?: ServiceInput;
  /** Restore from a persisted snapshot instead of starting fresh. */
  readonly snapshot?: unknown;
  /** Stop the actor when this test ends. */
  readonly t?: TestContext;
  /** Receives XState's inspection events (microsteps included) of the whole actor system. */
  readonly inspect?: (event: InspectionEvent) => void;
}

export type ServiceActor = ReturnType<typeof startService>;

/** A started service actor whose effects are the given doubles. */
export function startService(doubles: EffectDoubles, options: StartOptions = {}) {
  const machine = doubles.machine();
  const input = options.input ?? INPUT;
  const inspect = options.inspect;
  const actor =
    options.snapshot === undefined
      ? createActor(machine, { input, inspect })
      : createActor(machine, { snapshot: options.snapshot as Snapshot<unknown>, input, inspect });
  // An observer with an error handler keeps an actor error from crashing the test process;
  // the error still shows in the snapshot's status, which the tests check.
  actor.subscribe({ error: () => undefined });
  actor.start();
  options.t?.after(() => actor.stop());
  return actor;
}

/** Start a service, send create and let every effect settle. */
export async function createService(doubles: EffectDoubles, options: StartOptions = {}): Promise<ServiceActor> {
  const actor = startService(doubles, options);
  actor.send({ type: 'create' });
  await settle();
  return actor;
}

/** A service that has reached `active` (fails the test otherwise). */
export async function activeService(doubles: EffectDoubles, options: StartOptions = {}): Promise<ServiceActor> {
  const actor = await createService(doubles, options);
  assert.equal(actor.getSnapshot().value, 'active');
  return actor;
}

/** The `step` inputs of every undoStep call, in call order. */
export function undoneSteps(doubles: EffectDoubles): string[] {
  return doubles.callsOf('undoStep').map((call) => (call.input as { step: string }).step);
}

/** The deletion effects called, in order (other effects left out). */
export function deletionCalls(doubles: EffectDoubles): string[] {
  return doubles.names().filter((name) => DELETION_EFFECTS.includes(name));
}

/** The names of the calls made after the first `count` calls. */
export function namesSince(doubles: EffectDoubles, count: number): string[] {
  return doubles.names().slice(count);
}

/** Every function found anywhere inside a value, by path (for persisted snapshots). */
export function functionPaths(value: unknown, path = '$'): string[] {
  if (typeof value === 'function') return [path];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => functionPaths(child, `${path}.${key}`));
}
