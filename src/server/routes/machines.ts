/**
 * `GET /v1/machines/:name` (`service` or `domain`): the statechart's state tree as JSON, read
 * from the machine definitions at run time, so the dashboard draws exactly what the actors run
 * and never a hand-kept copy. Behind the token like the rest of the API.
 */
import { Type } from 'typebox';
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { AppError } from '../../errors.js';
import { domainMachine } from '../../machines/domain.machine.js';
import { serviceMachine } from '../../machines/service.machine.js';
import type { TypedApp } from '../commands.js';
import { errorReplies } from '../reply-schemas.js';

export interface TransitionDescription {
  /** The event type; null for an eventless (`always`) transition. */
  readonly event: string | null;
  /** Target state ids; empty for a transition that only runs actions. */
  readonly targets: readonly string[];
  readonly guard: string | null;
  readonly description: string | null;
}

export interface StateDescription {
  readonly key: string;
  /** Dotted path from the root, e.g. `service.provisioning.building`. */
  readonly id: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly description: string | null;
  /** Key of the initial child of a compound state, else null. */
  readonly initial: string | null;
  readonly tags: readonly string[];
  /** Effects invoked while the state is active: `{id, src}`. */
  readonly invokes: readonly { readonly id: string; readonly src: string }[];
  readonly transitions: readonly TransitionDescription[];
  /** In definition order: the order the dashboard lays them out in. */
  readonly children: readonly StateDescription[];
}

export interface MachineDescription {
  readonly name: string;
  readonly root: StateDescription;
}

/** Guards are strings, `{type, params}` objects or and()/or()/not() combinators (functions). */
function guardText(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const parts = (guard as { guards?: unknown[] }).guards;
    const inner = Array.isArray(parts) ? parts.map((part) => guardText(part) ?? '?').join(', ') : '';
    return `${guard.name || 'guard'}(${inner})`;
  }
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') {
    const { type, params } = guard as { type: string; params?: unknown };
    if (params === undefined || params === null || typeof params !== 'object') return type;
    const args = Object.entries(params).map(([name, value]) => `${name}: ${String(value)}`);
    return `${type}(${args.join(', ')})`;
  }
  return 'guard';
}

function describeTransition(transition: AnyTransitionDefinition): TransitionDescription {
  return {
    event: transition.eventType === '' ? null : transition.eventType,
    targets: (transition.target ?? []).map((target) => target.id),
    guard: guardText(transition.guard),
    description: transition.description ?? null,
  };
}

function describeState(node: AnyStateNode): StateDescription {
  const transitions = [...node.transitions.values()].flat().map(describeTransition);
  const always = (node.always ?? []).map(describeTransition);
  return {
    key: node.key,
    id: node.id,
    type: node.type,
    description: node.description ?? null,
    initial: node.type === 'compound' ? (node.initial.target[0]?.key ?? null) : null,
    tags: [...node.tags],
    invokes: node.invoke.map((invoke) => ({ id: invoke.id, src: typeof invoke.src === 'string' ? invoke.src : invoke.id })),
    transitions: [...transitions, ...always],
    children: Object.values(node.states).map(describeState),
  };
}

export function describeMachine(name: string, machine: AnyStateMachine): MachineDescription {
  return { name, root: describeState(machine.root) };
}

export function registerMachineRoutes(app: TypedApp): void {
  // Machines are fixed for the life of the process: describe them once.
  const machines = new Map<string, MachineDescription>([
    ['service', describeMachine('service', serviceMachine)],
    ['domain', describeMachine('domain', domainMachine)],
  ]);
  const schema = {
    tags: ['system'],
    summary: "A statechart's state tree (service or domain), as the dashboard draws it",
    params: Type.Object({ name: Type.String({ pattern: '^[a-z]{1,32}$', description: '`service` or `domain`' }) }),
    response: { 200: Type.Unknown({ description: 'the machine: its states (key, id, type, description, initial, tags, invoke, transitions, children)' }), ...errorReplies(400, 404) },
  };
  app.get('/v1/machines/:name', { schema }, async (request) => {
    const description = machines.get(request.params.name);
    if (description === undefined) {
      throw new AppError('NOT_FOUND', `no machine ${request.params.name}; known: ${[...machines.keys()].join(', ')}`, { field: 'name' });
    }
    return description;
  });
}
