/**
 * Figure 1's two references, in model seconds, from the sandbox's own timing table:
 * - the critical path of the service machine's step graph from payment to `active` (the
 *   limit: sequences add, parallel regions take their longest branch);
 * - the original design's sequential order with its fixed 3-second wait.
 * The graph's shape is read from the machine itself, so a reordered chain or a new parallel
 * region changes the reference; only which table entries a step costs is stated here.
 */
import type { AnyStateNode } from 'xstate';
import { serviceMachine } from '../../src/machines/service.machine.js';
import { TIMING_TABLE, type TimedOperation } from '../../src/sandbox/core/timing.js';

export type StepGraph =
  | { readonly kind: 'step'; readonly name: string }
  | { readonly kind: 'sequence'; readonly parts: readonly StepGraph[] }
  | { readonly kind: 'parallel'; readonly parts: readonly StepGraph[] };

/**
 * What each step costs in the timing table, as the workflow describes the step ("container
 * creation", "HA configuration", …). A step's extra reads (looking before writing, polling)
 * are provisiond's overhead, measured, not part of the limit.
 */
export const STEP_OPERATIONS: Readonly<Record<string, readonly TimedOperation[]>> = {
  // The VMID check against Proxmox; the database entry is not in the table (< 1 s).
  allocating: ['proxmox.api'],
  // "Container boots automatically after creation."
  container: ['proxmox.task.vzcreate', 'proxmox.task.vzstart'],
  ha: ['proxmox.ha'],
  // One trivial command that answers at the first try.
  ready: ['ssh.exec'],
  install: ['ssh.installer'],
  verify: ['ssh.exec'],
  dnsRecord: ['cloudflare.api'],
  // "NPM configuration: 5 s (certificate included)."
  proxyHost: ['npm.certificate', 'npm.api'],
  // The site answering through the proxy: no entry in the table.
  live: [],
  snapshot: ['proxmox.task.vzsnapshot'],
};

/** The mission's "3-Second Delay" before the installer: the design's constant, not a latency. */
export const ORIGINAL_FIXED_WAIT_S = 3;

/** The original workflow's order (mission §3–§8): one step after another, the wait before §7. */
export const ORIGINAL_ORDER: readonly (string | { readonly wait: number })[] = [
  'allocating', 'container', 'ha', 'dnsRecord', 'proxyHost', { wait: ORIGINAL_FIXED_WAIT_S }, 'ready', 'install', 'verify', 'snapshot',
];

const isRetryingStep = (node: AnyStateNode): boolean => 'running' in node.states;

/** A step (has `running`), a parallel node (its regions) or a compound chain (its children in order). */
function graphOf(node: AnyStateNode): StepGraph {
  if (isRetryingStep(node)) return { kind: 'step', name: node.key };
  const children = Object.values(node.states).filter((child) => child.type !== 'final');
  if (node.type === 'parallel') return { kind: 'parallel', parts: children.map(graphOf) };
  // A chain is declared in the order it runs: check at least that it starts where the machine does.
  if (children[0]?.key !== node.config.initial) throw new Error(`${node.id}: the chain does not start at its initial state`);
  return { kind: 'sequence', parts: children.map(graphOf) };
}

/** Payment to `active`: allocating, then provisioning. */
export function provisioningGraph(): StepGraph {
  const states = serviceMachine.root.states;
  const allocating = states.allocating;
  const provisioning = states.provisioning;
  if (allocating === undefined || provisioning === undefined) throw new Error('the service machine has no allocating/provisioning states');
  return { kind: 'sequence', parts: [graphOf(allocating), graphOf(provisioning)] };
}

export function stepSeconds(name: string): number {
  const operations = STEP_OPERATIONS[name];
  if (operations === undefined) throw new Error(`step "${name}" has no timing: add it to STEP_OPERATIONS`);
  return operations.reduce((sum, operation) => sum + TIMING_TABLE[operation], 0);
}

export function criticalPathSeconds(graph: StepGraph): number {
  switch (graph.kind) {
    case 'step':
      return stepSeconds(graph.name);
    case 'sequence':
      return graph.parts.reduce((sum, part) => sum + criticalPathSeconds(part), 0);
    case 'parallel':
      return Math.max(0, ...graph.parts.map(criticalPathSeconds));
  }
}

export function sequentialSeconds(order: typeof ORIGINAL_ORDER = ORIGINAL_ORDER): number {
  return order.reduce<number>((sum, item) => sum + (typeof item === 'string' ? stepSeconds(item) : item.wait), 0);
}

/** The step names in the graph, for checking both references speak of the same steps. */
export function stepsOf(graph: StepGraph): string[] {
  return graph.kind === 'step' ? [graph.name] : graph.parts.flatMap(stepsOf);
}

/** "a → (b ‖ c)" — the graph as one line, for the log. */
export function describeGraph(graph: StepGraph): string {
  if (graph.kind === 'step') return graph.name;
  const inner = graph.parts.map(describeGraph);
  return graph.kind === 'sequence' ? inner.join(' → ') : `(${inner.join(' ‖ ')})`;
}
