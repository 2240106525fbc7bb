/**
 * After a storm, with its faults cleared: did every lifecycle end where it was meant to, is
 * every deleted service gone from every simulator, does every kept one answer (its own name
 * and its custom domain) through the proxy, and is there nothing in any simulator that
 * belongs to no kept service? Each answer that is not "yes" is one line.
 */
import type { Footprint, ProcessStack, SandboxProbe } from '../support/sandbox-process.js';
import type { LifecycleOutcome } from './lifecycle.js';
import { ServiceBoard } from './service-board.js';
import { strays } from './strays.js';

const footprintOf = (outcome: LifecycleOutcome): Footprint | undefined =>
  outcome.vmid === undefined || outcome.fqdn === undefined
    ? undefined
    : { vmid: outcome.vmid, fqdn: outcome.fqdn, customDomains: [outcome.plan.domain], ...(outcome.privateIp === undefined ? {} : { privateIp: outcome.privateIp }) };

export async function checkStorm(probe: SandboxProbe, outcomes: readonly LifecycleOutcome[], others: readonly Footprint[] = []): Promise<string[]> {
  const problems: string[] = [];
  const keep: Footprint[] = [...others];
  for (const outcome of outcomes) {
    const id = outcome.plan.serviceId;
    if (outcome.problem !== undefined) problems.push(`${id}: ${outcome.problem.kind}: ${outcome.problem.message}`);
    else if (outcome.state !== outcome.plan.end) problems.push(`${id}: ended ${outcome.state}, meant ${outcome.plan.end}`);
    const footprint = footprintOf(outcome);
    if (footprint === undefined) continue;
    // Cut short: it may still hold what it was about to remove; `drain` settles it.
    if (outcome.problem !== undefined) {
      keep.push(footprint);
      continue;
    }
    if (outcome.plan.end === 'active') {
      keep.push(footprint);
      for (const host of [footprint.fqdn, outcome.plan.domain]) {
        const status = await probe.throughProxy(host);
        if (status !== 200) problems.push(`${id}: ${host} answers ${status} through the proxy`);
      }
    } else {
      for (const left of await probe.leftovers(footprint)) problems.push(`${id} (deleted): ${left} remains`);
    }
  }
  // Leftovers of the deleted ones are named above; strays finds what has no name we know.
  const named = new Set(problems);
  for (const stray of await strays(probe, keep)) if (![...named].some((line) => line.includes(stray))) problems.push(`stray: ${stray}`);
  return problems;
}

/**
 * The lifecycles a storm cut short, finished without faults: each is deleted and must then
 * leave nothing behind. Says whether what the storm interrupted can still be cleaned up.
 */
export async function drain(stack: ProcessStack, outcomes: readonly LifecycleOutcome[]): Promise<string[]> {
  const problems: string[] = [];
  const board = new ServiceBoard(stack.api);
  board.start();
  try {
    problems.push(...(await drainEach(stack, board, outcomes)));
  } finally {
    board.stop();
  }
  return problems;
}

async function drainEach(stack: ProcessStack, board: ServiceBoard, outcomes: readonly LifecycleOutcome[]): Promise<string[]> {
  const problems: string[] = [];
  for (const outcome of outcomes.filter((o) => o.problem !== undefined)) {
    const id = outcome.plan.serviceId;
    // As it is now (the board's first round may still be on its way): a `failed` from before the delete must not count.
    const before = (await board.until(id, () => true, { idleMs: 60_000, timeoutMs: 60_000 }, `${id} to be listed`)).updated_at;
    const reply = await stack.api.call('POST', '/delete-site', { service_id: id });
    if (reply.status !== 200) {
      problems.push(`${id}: delete-site answered ${reply.status} after the storm`);
      continue;
    }
    const settled = await board.until(id, (s) => s.state === 'deleted' || (s.state === 'failed' && s.updated_at !== before), { idleMs: 150_000, timeoutMs: 300_000 }, `${id} to be deleted`).catch((error: unknown) => error);
    if (!(typeof settled === 'object' && settled !== null && 'state' in settled && settled.state === 'deleted')) {
      problems.push(`${id}: not deleted after the storm: ${settled instanceof Error ? settled.message : JSON.stringify(settled)}`);
      continue;
    }
    const footprint = footprintOf(outcome);
    if (footprint !== undefined) for (const left of await stack.sandbox.leftovers(footprint)) problems.push(`${id} (deleted after the storm): ${left} remains`);
  }
  return problems;
}
