/**
 * One reconciliation: read every system's inventory, then the database, compare, and (with
 * `fix`) carry out the safe repairs through injected functions. No I/O of its own.
 *
 * Inventories are read BEFORE the database: a service's record is committed before any effect
 * creates something for it, so everything an inventory saw already has its record in the read
 * that follows, and a brand-new service can never look like the owner of an orphan. Before each
 * repair the service's state is read again; a repair runs only if it is still the state the
 * finding was judged in (a suspend or delete that arrived meanwhile belongs to the actor).
 */
import { compare } from './compare.js';
import { planFixes, type PlannedFix, type RepairOp, type RepairStep } from './plan-fixes.js';
import type { FixOutcome, Report, ReportEntry } from './report.js';
import type { Expectations, Finding, Inventory, OwnedService, System } from './types.js';

export type InventoryReaders = { readonly [S in System]: (signal: AbortSignal) => Promise<NonNullable<Inventory[S]>> };

/** The functions that carry out each kind of step; each checks our marker before it acts. */
export type Repairs = { readonly [K in RepairOp]: (step: Extract<RepairStep, { op: K }>, signal: AbortSignal) => Promise<void> };

export interface ReconcilerDeps {
  readonly inventories: InventoryReaders;
  /** Every service the database knows, deleted ones included. */
  readonly owned: () => Promise<readonly OwnedService[]> | readonly OwnedService[];
  /** A service's state now (undefined: not in the database). */
  readonly currentState: (serviceId: string) => string | undefined;
  readonly repairs: Repairs;
  readonly expect: Expectations;
  readonly now?: () => number;
  /** Services repaired at once (each service's repairs run one after another). Default 4. */
  readonly concurrency?: number;
  /** Told about every repair's outcome (for logs). */
  readonly onRepair?: (finding: Finding, outcome: FixOutcome) => void;
}

export interface ReconcileOptions {
  readonly fix: boolean;
  readonly signal?: AbortSignal;
}

const SYSTEMS: readonly System[] = ['proxmox', 'cloudflare', 'npm', 'ispconfig'];

function messageOf(error: unknown): { message: string; code?: string } {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { message, code } : { message };
}

function run<K extends RepairOp>(repairs: Repairs, step: Extract<RepairStep, { op: K }>, signal: AbortSignal): Promise<void> {
  return (repairs[step.op] as (step: Extract<RepairStep, { op: K }>, signal: AbortSignal) => Promise<void>)(step, signal);
}

async function readAll(readers: InventoryReaders, signal: AbortSignal): Promise<{ inventory: Inventory; unreadable: Report['unreadable'] }> {
  const results = await Promise.allSettled(SYSTEMS.map((system) => readers[system](signal)));
  const inventory: Record<string, unknown> = {};
  const unreadable: { system: System; message: string }[] = [];
  results.forEach((result, i) => {
    const system = SYSTEMS[i] as System;
    if (result.status === 'fulfilled') inventory[system] = result.value;
    else unreadable.push({ system, message: messageOf(result.reason).message });
  });
  return { inventory: inventory as Inventory, unreadable };
}

async function repairOne(deps: ReconcilerDeps, planned: PlannedFix, signal: AbortSignal): Promise<FixOutcome> {
  const { finding, repair } = planned;
  if (!repair.safe) return { status: 'manual', reason: repair.reason };
  if (signal.aborted) return { status: 'skipped', reason: 'the run was cancelled' };
  const now = deps.currentState(finding.serviceId);
  if (now !== finding.serviceState) {
    return { status: 'skipped', reason: `service ${finding.serviceId} is ${now ?? 'not in the database'} now (was ${finding.serviceState ?? 'not in the database'})` };
  }
  try {
    for (const step of repair.steps) await run(deps.repairs, step, signal);
    return { status: 'fixed' };
  } catch (error) {
    return { status: 'failed', ...messageOf(error) };
  }
}

/** Each service's repairs in order; services side by side, at most `concurrency` at once. */
async function repairAll(deps: ReconcilerDeps, plan: readonly PlannedFix[], signal: AbortSignal): Promise<Map<PlannedFix, FixOutcome>> {
  const outcomes = new Map<PlannedFix, FixOutcome>();
  const groups = new Map<string, PlannedFix[]>();
  for (const planned of plan) groups.set(planned.finding.serviceId, [...(groups.get(planned.finding.serviceId) ?? []), planned]);
  const queue = [...groups.values()];
  const worker = async (): Promise<void> => {
    for (let group = queue.shift(); group !== undefined; group = queue.shift()) {
      for (const planned of group) {
        const outcome = await repairOne(deps, planned, signal);
        outcomes.set(planned, outcome);
        deps.onRepair?.(planned.finding, outcome);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, deps.concurrency ?? 4) }, worker));
  return outcomes;
}

export async function reconcile(deps: ReconcilerDeps, options: ReconcileOptions): Promise<Report> {
  const signal = options.signal ?? new AbortController().signal;
  const now = deps.now ?? Date.now;
  const at = now();
  const { inventory, unreadable } = await readAll(deps.inventories, signal);
  const services = await deps.owned();
  const findings = compare({ services, inventory, expect: deps.expect });
  if (!options.fix) return { at, fix: false, entries: findings.map((finding) => ({ finding })), unreadable };
  const plan = planFixes(findings, { databaseEmpty: services.length === 0 });
  const outcomes = await repairAll(deps, plan, signal);
  const byFinding = new Map(plan.map((planned) => [planned.finding, outcomes.get(planned)]));
  const entries: ReportEntry[] = findings.map((finding) => {
    const fix = byFinding.get(finding);
    return fix === undefined ? { finding } : { finding, fix };
  });
  return { at, fix: true, entries, unreadable };
}
