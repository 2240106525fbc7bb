/**
 * A machine reduced to what a statechart drawing must preserve — every state (id, type,
 * initial child, tags, description, invokes) and every transition (source, event, targets,
 * guard, actions, reenter, description) — read straight from XState's resolved StateNodes,
 * so two machines can be compared with deepEqual.
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { guardLabel } from '../../scripts/visualize/statechart.js';

function actionName(action: unknown): unknown {
  if (typeof action === 'string') return action;
  if (typeof action === 'function') return (action as { type?: unknown }).type ?? action.name;
  const { type, params } = action as { type: string; params?: unknown };
  return params === undefined ? type : { type, params };
}

function transition(t: AnyTransitionDefinition, event: string) {
  return {
    source: t.source.id,
    event,
    targets: (t.target ?? []).map((target) => target.id),
    guard: guardLabel(t.guard) ?? null,
    actions: t.actions.map(actionName),
    reenter: t.reenter,
    description: t.description ?? null,
  };
}

function nodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap(nodes)];
}

export function describeMachine(machine: AnyStateMachine) {
  const all = nodes(machine.root);
  return {
    states: all.map((node) => ({
      id: node.id,
      type: node.type,
      initial: node.type === 'compound' ? node.initial.target.map((t) => t.id) : [],
      tags: [...node.tags],
      description: node.description ?? null,
      invoke: node.invoke.map((i) => `${i.id}:${typeof i.src === 'string' ? i.src : '(logic)'}`),
      entry: node.entry.map(actionName),
      exit: node.exit.map(actionName),
    })),
    transitions: all.flatMap((node) => [
      ...[...node.transitions].flatMap(([event, list]) => list.map((t) => transition(t, event))),
      ...(node.always ?? []).map((t) => transition(t, '(always)')),
    ]),
  };
}
