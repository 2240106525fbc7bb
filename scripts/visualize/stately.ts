/**
 * A machine as code Stately Studio imports. The editor's "Import from code" reads a
 * `createMachine({...})` call and models guards, actions and actors by name, so the export
 * is the plain statechart — ids, states, transitions, invokes with their `src` names,
 * guards and actions as names (with their params), descriptions and tags — and none of the
 * implementations, context or inputs, which live in the source file. It is plain JavaScript
 * so that both the editor and Node can read it (the staleness test loads it back).
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { toLiteral, type Literal } from './js-literal.js';
import { actionRef, childrenOf, edgesOf, guardLabel, invokeSource, type Edge } from './statechart.js';

/** How a transition names its target: a sibling by key, a descendant by `.path`, anything else by `#id`. */
function targetRef(source: AnyStateNode, target: AnyStateNode): string {
  if (source.parent !== undefined && target.parent === source.parent) return target.key;
  const inside = target.path.length > source.path.length && source.path.every((key, i) => target.path[i] === key);
  return inside ? `.${target.path.slice(source.path.length).join('.')}` : `#${target.id}`;
}

/** A guard as the editor models it: a name, with params; a higher-order guard as one readable name. */
function guardRef(guard: unknown): Literal | undefined {
  if (guard === undefined) return undefined;
  if (guard !== null && typeof guard === 'object' && 'type' in guard && typeof guard.type === 'string') {
    const params = (guard as { params?: unknown }).params;
    if (params !== undefined && typeof params !== 'function') return { type: guard.type, params: params as Literal };
  }
  return guardLabel(guard);
}

function actionsOf(actions: readonly unknown[]): Literal | undefined {
  return actions.length === 0 ? undefined : actions.map((action) => actionRef(action) as Literal);
}

function transitionOf(transition: AnyTransitionDefinition): Literal {
  const targets = (transition.target ?? []).map((target) => targetRef(transition.source, target));
  return {
    target: targets.length === 0 ? undefined : targets.length === 1 ? targets[0] : targets,
    guard: guardRef(transition.guard),
    actions: actionsOf(transition.actions),
    reenter: transition.reenter ? true : undefined,
    description: transition.description,
  };
}

function groupOf(edges: readonly Edge[]): Literal {
  const items = edges.map((edge) => transitionOf(edge.transition));
  return items.length === 1 ? (items[0] ?? null) : items;
}

/** Edges of one kind, grouped by a key in first-seen order. */
function grouped(edges: readonly Edge[], keyOf: (edge: Edge) => string | undefined): Record<string, Literal> | undefined {
  const groups = new Map<string, Edge[]>();
  for (const edge of edges) {
    const key = keyOf(edge);
    if (key !== undefined) groups.set(key, [...(groups.get(key) ?? []), edge]);
  }
  if (groups.size === 0) return undefined;
  return Object.fromEntries([...groups].map(([key, group]) => [key, groupOf(group)]));
}

function stateOf(machine: AnyStateMachine, node: AnyStateNode): Literal {
  const edges = edgesOf(node);
  const invokes = node.invoke.map((invoke) => {
    const handlers = grouped(edges, (edge) => {
      const { trigger } = edge;
      if (trigger.kind !== 'invokeDone' && trigger.kind !== 'invokeError' && trigger.kind !== 'invokeSnapshot') return undefined;
      if (trigger.invokeId !== invoke.id) return undefined;
      return { invokeDone: 'onDone', invokeError: 'onError', invokeSnapshot: 'onSnapshot' }[trigger.kind];
    });
    return { id: invoke.id, src: invokeSource(machine, invoke.src, invoke.id), ...handlers };
  });
  const always = edges.filter((edge) => edge.trigger.kind === 'always');
  const done = edges.filter((edge) => edge.trigger.kind === 'stateDone');
  const children = childrenOf(node);
  const config = node.config as { entry?: unknown; exit?: unknown };
  const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  return {
    id: node.parent === undefined ? node.id : undefined,
    description: node.description,
    type: node.type === 'parallel' || node.type === 'final' || node.type === 'history' ? node.type : undefined,
    history: node.type === 'history' ? node.history || 'shallow' : undefined,
    initial: node.type === 'compound' ? node.initial.target[0]?.key : undefined,
    tags: node.tags.length === 0 ? undefined : [...node.tags],
    entry: actionsOf(list(config.entry)),
    exit: actionsOf(list(config.exit)),
    invoke: invokes.length === 0 ? undefined : invokes.length === 1 ? (invokes[0] ?? null) : invokes,
    on: grouped(edges, (edge) => (edge.trigger.kind === 'event' ? edge.trigger.eventType : undefined)),
    after: grouped(edges, (edge) => (edge.trigger.kind === 'after' ? String(edge.trigger.delay) : undefined)),
    always: always.length === 0 ? undefined : groupOf(always),
    onDone: done.length === 0 ? undefined : groupOf(done),
    states: children.length === 0 ? undefined : Object.fromEntries(children.map((child) => [child.key, stateOf(machine, child)])),
  };
}

export function toStatelyExport(machine: AnyStateMachine, sourcePath: string): string {
  const name = `${machine.root.id.replace(/[^A-Za-z0-9_$]/g, '_')}Machine`;
  return [
    `// Generated by \`npm run visualize\` from ${sourcePath}: do not edit.`,
    '//',
    "// The statechart alone, for Stately Studio's editor: Code panel → Import (or Machine →",
    '// Import from code) and paste this file. The editor reads a createMachine({...}) call whose',
    '// guards, actions and actors are names; their implementations, the context and the inputs',
    '// live in the source file. A higher-order guard is written as one name (`!hasAllocation`).',
    "import { createMachine } from 'xstate';",
    '',
    `export const ${name} = createMachine(${toLiteral(stateOf(machine, machine.root))});`,
    '',
  ].join('\n');
}
