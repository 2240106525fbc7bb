/**
 * A machine's resolved StateNode tree read as plain facts: children in definition order,
 * transitions classified by what triggers them (an event, an invoked actor finishing,
 * the state's own completion, a delay, or nothing at all), and guards and actions by
 * name. Both the Mermaid diagram and the Stately export are written from these facts, so
 * they cannot disagree about the machine.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';

export type Trigger =
  | { readonly kind: 'event'; readonly eventType: string }
  | { readonly kind: 'invokeDone' | 'invokeError' | 'invokeSnapshot'; readonly invokeId: string }
  | { readonly kind: 'stateDone' }
  | { readonly kind: 'after'; readonly delay: string | number }
  | { readonly kind: 'always' };

export interface Edge {
  readonly source: AnyStateNode;
  readonly trigger: Trigger;
  /** Transitions of one trigger, in the order the machine tries them. */
  readonly group: readonly AnyTransitionDefinition[];
  readonly transition: AnyTransitionDefinition;
}

export function childrenOf(node: AnyStateNode): AnyStateNode[] {
  return Object.values(node.states);
}

/** Every state node below the root, depth first, in definition order. */
export function descendantsOf(node: AnyStateNode): AnyStateNode[] {
  return childrenOf(node).flatMap((child) => [child, ...descendantsOf(child)]);
}

export function allNodes(machine: AnyStateMachine): AnyStateNode[] {
  return [machine.root, ...descendantsOf(machine.root)];
}

function triggerOf(node: AnyStateNode, eventType: string, afterEvents: Map<string, string | number>): Trigger {
  const delay = afterEvents.get(eventType);
  if (delay !== undefined) return { kind: 'after', delay };
  if (eventType === `xstate.done.state.${node.id}`) return { kind: 'stateDone' };
  for (const { id } of node.invoke) {
    if (eventType === `xstate.done.actor.${id}`) return { kind: 'invokeDone', invokeId: id };
    if (eventType === `xstate.error.actor.${id}`) return { kind: 'invokeError', invokeId: id };
    if (eventType === `xstate.snapshot.${id}`) return { kind: 'invokeSnapshot', invokeId: id };
  }
  return { kind: 'event', eventType };
}

/** The node's own transitions (not its descendants'), `always` last. */
export function edgesOf(node: AnyStateNode): Edge[] {
  const afterEvents = new Map<string, string | number>();
  for (const delayed of node.after) afterEvents.set(delayed.eventType, typeof delayed.delay === 'function' ? 'expression' : delayed.delay);
  const edges: Edge[] = [];
  for (const [eventType, group] of node.transitions) {
    const trigger = triggerOf(node, eventType, afterEvents);
    for (const transition of group) edges.push({ source: node, trigger, group, transition });
  }
  const always = node.always ?? [];
  for (const transition of always) edges.push({ source: node, trigger: { kind: 'always' }, group: always, transition });
  return edges;
}

interface HigherOrderGuard {
  (...args: never[]): unknown;
  readonly guards: readonly unknown[];
  readonly check: unknown;
}

function isHigherOrder(guard: unknown): guard is HigherOrderGuard {
  return typeof guard === 'function' && 'guards' in guard && Array.isArray(guard.guards) && 'check' in guard;
}

function paramsText(params: unknown): string {
  if (params === undefined) return '';
  if (params !== null && typeof params === 'object') return `(${Object.values(params).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')})`;
  return `(${String(params)})`;
}

/**
 * A guard as one readable name: `mayRetry(allocate)` for a parameterized guard,
 * `!hasAllocation` for `not(...)`, `a && b` / `a || b` for `and`/`or`.
 */
export function guardLabel(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (isHigherOrder(guard)) {
    const parts = guard.guards.map((inner) => guardLabel(inner) ?? 'inline');
    if (guard.name === 'not') return `!${parts[0] ?? 'inline'}`;
    const joined = parts.join(guard.name === 'and' ? ' && ' : ' || ');
    return parts.length > 1 ? `(${joined})` : joined;
  }
  if (typeof guard === 'function') return guard.name === '' ? 'inline' : guard.name;
  if (guard !== null && typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    return `${guard.type}${paramsText((guard as { params?: unknown }).params)}`;
  }
  return 'inline';
}

/** An action as data: its name, with its params when it has any. Inline functions by their type or name. */
export function actionRef(action: unknown): string | { readonly type: string; readonly params: unknown } {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') {
    const type = (action as { type?: unknown }).type;
    return typeof type === 'string' ? type : action.name === '' ? 'inline' : action.name;
  }
  if (action !== null && typeof action === 'object' && 'type' in action && typeof action.type === 'string') {
    const params = (action as { params?: unknown }).params;
    return params === undefined || typeof params === 'function' ? action.type : { type: action.type, params };
  }
  return 'inline';
}

/** The name an invoke's logic goes by: its `src` string, or the key it was provided under. */
export function invokeSource(machine: AnyStateMachine, src: unknown, invokeId: string): string {
  if (typeof src === 'string') return src;
  const actors = (machine.implementations.actors ?? {}) as Record<string, unknown>;
  return Object.keys(actors).find((key) => actors[key] === src) ?? invokeId;
}

/** Nearest ancestor-or-self of `a` that also contains `b`. */
export function commonAncestor(a: AnyStateNode, b: AnyStateNode): AnyStateNode {
  const chain = new Set<AnyStateNode>();
  for (let node: AnyStateNode | undefined = a; node !== undefined; node = node.parent) chain.add(node);
  for (let node: AnyStateNode | undefined = b; node !== undefined; node = node.parent) if (chain.has(node)) return node;
  return a.machine.root;
}
