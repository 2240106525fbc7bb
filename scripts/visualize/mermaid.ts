/**
 * A machine as a Mermaid `stateDiagram-v2`, written from its resolved StateNode tree.
 *
 * - Mermaid knows states by one global id, so each state's id is its path (`zone_running`)
 *   and its label is its key; two paths that would share an id are an error, not a merge.
 * - Compound states are `state X { … }` with `[*] -->` their initial child; a parallel
 *   state's regions are separated by `--`; a final state leads `--> [*]`.
 * - A transition is written in the block of the nearest (non-parallel) state that holds both
 *   ends, after every state of that block is declared: declared earlier, Mermaid would
 *   create the far end inside the wrong block.
 * - Transitions that only run actions (no target) change no state and are left out; the
 *   machine's own transitions (e.g. `delete` from anywhere) start at an "any state" node.
 * Output depends only on the machine's definition order, so the text can be compared.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { childrenOf, commonAncestor, edgesOf, guardLabel, type Edge } from './statechart.js';

const ANY_STATE_ID = 'any_state';

function triggerText(edge: Edge): string {
  const { trigger } = edge;
  switch (trigger.kind) {
    case 'event':
      return trigger.eventType;
    case 'invokeDone':
      return `${trigger.invokeId} done`;
    case 'invokeError':
      return `${trigger.invokeId} error`;
    case 'invokeSnapshot':
      return `${trigger.invokeId} snapshot`;
    case 'stateDone':
      return 'done';
    case 'after':
      return typeof trigger.delay === 'number' ? `after ${trigger.delay}ms` : `after ${trigger.delay}`;
    case 'always':
      return 'always';
  }
}

/** `event [guard]`; the unguarded fallback of a guarded group reads `[else]`. */
export function edgeLabel(edge: Edge): string {
  const guard = guardLabel(edge.transition.guard);
  const index = edge.group.indexOf(edge.transition);
  const fallback = guard === undefined && edge.group.slice(0, index).some((t) => t.guard !== undefined);
  const suffix = guard !== undefined ? ` [${guard}]` : fallback ? ' [else]' : '';
  // `;` ends a Mermaid statement and `#` starts an entity code: neither may reach a label.
  return `${triggerText(edge)}${suffix}`.replace(/[;#]/g, '_');
}

class IdTable {
  private readonly byNode = new Map<AnyStateNode, string>();
  private readonly taken = new Map<string, string>([[ANY_STATE_ID, '(any state)']]);

  constructor(root: AnyStateNode) {
    const visit = (node: AnyStateNode): void => {
      for (const child of childrenOf(node)) {
        const id = child.path.join('_').replace(/[^A-Za-z0-9_]/g, '_');
        const holder = this.taken.get(id);
        if (holder !== undefined) throw new Error(`Mermaid id "${id}" would stand for both ${holder} and ${child.id}`);
        this.taken.set(id, child.id);
        this.byNode.set(child, id);
        visit(child);
      }
    };
    visit(root);
  }

  of(node: AnyStateNode): string {
    return this.byNode.get(node) ?? ANY_STATE_ID;
  }
}

/**
 * The block a transition is written in: the nearest state that holds both ends (not one of
 * the ends itself, as for a self-transition or one into a child) and is not parallel.
 */
function blockOf(source: AnyStateNode, target: AnyStateNode): AnyStateNode {
  let block = commonAncestor(source, target);
  if ((block === source || block === target) && block.parent !== undefined) block = block.parent;
  while (block.type === 'parallel' && block.parent !== undefined) block = block.parent;
  return block;
}

export function toMermaid(machine: AnyStateMachine, sourcePath: string): string {
  const root = machine.root;
  const ids = new IdTable(root);
  const blocks = new Map<AnyStateNode, string[]>();
  let rootLevelEdges = false;
  const visit = (node: AnyStateNode): void => {
    for (const edge of edgesOf(node)) {
      const seen = new Set<string>();
      for (const target of edge.transition.target ?? []) {
        if (node === root) rootLevelEdges = true;
        const line = `${ids.of(node)} --> ${ids.of(target)} : ${edgeLabel(edge)}`;
        if (seen.has(line)) continue;
        seen.add(line);
        const block = blockOf(node, target);
        blocks.set(block, [...(blocks.get(block) ?? []), line]);
      }
    }
    for (const child of childrenOf(node)) visit(child);
  };
  visit(root);

  const lines: string[] = [];
  const write = (node: AnyStateNode, depth: number): void => {
    const pad = '  '.repeat(depth);
    const children = childrenOf(node);
    children.forEach((child, index) => {
      if (node.type === 'parallel' && index > 0) lines.push(`${pad}--`);
      const id = ids.of(child);
      if (childrenOf(child).length === 0) {
        lines.push(`${pad}state "${child.key}" as ${id}`);
        return;
      }
      lines.push(`${pad}state "${child.key}" as ${id} {`);
      write(child, depth + 1);
      lines.push(`${pad}}`);
    });
    if (node.type === 'compound') {
      const initial = node.initial.target[0];
      if (initial !== undefined) lines.push(`${pad}[*] --> ${ids.of(initial)}`);
      for (const child of children) if (child.type === 'final') lines.push(`${pad}${ids.of(child)} --> [*]`);
    }
    for (const line of blocks.get(node) ?? []) lines.push(`${pad}${line}`);
  };
  lines.push('stateDiagram-v2');
  lines.push(`  %% Generated by \`npm run visualize\` from ${sourcePath} (machine "${root.id}"): do not edit.`);
  lines.push('  %% Transitions without a target only run actions and are left out; the .stately.js export has them.');
  if (rootLevelEdges) lines.push(`  state "any state" as ${ANY_STATE_ID}`);
  write(root, 1);
  return `${lines.join('\n')}\n`;
}
