/**
 * What a storm did, from the sandbox's call counters: calls and faulted calls per system
 * (the family is the operation name's first part), and which operations were called but
 * never hit. Two corrections keep the numbers honest: `ssh.ct.<program>` counts the same
 * command as `ssh.exec` (it is only consulted when `ssh.exec` drew nothing), so its calls
 * are not added again; and delays that are no failure (the DNS grace of fault-mix.ts) are
 * subtracted from `faulted`.
 */
import type { OperationCounters } from '../support/sandbox-process.js';

export interface FamilyFigures {
  readonly calls: number;
  readonly faulted: number;
  readonly operations: number;
  /** Operations called at least once and never hit. */
  readonly neverFaulted: readonly string[];
}

export interface Figures {
  readonly calls: number;
  readonly faulted: number;
  readonly families: Readonly<Record<string, FamilyFigures>>;
}

const isSubOperation = (op: string): boolean => op.startsWith('ssh.ct.');

/** `delays`: hits per operation that only slowed a call down. */
export function figuresOf(counters: Readonly<Record<string, OperationCounters>>, delays: Readonly<Record<string, number>> = {}): Figures {
  const families: Record<string, { calls: number; faulted: number; operations: number; neverFaulted: string[] }> = {};
  for (const [op, counter] of Object.entries(counters).sort(([a], [b]) => a.localeCompare(b))) {
    const family = op.split('.')[0] ?? op;
    const entry = (families[family] ??= { calls: 0, faulted: 0, operations: 0, neverFaulted: [] });
    const faulted = Math.max(0, counter.faulted - (delays[op] ?? 0));
    if (!isSubOperation(op)) entry.calls += counter.calls;
    entry.faulted += faulted;
    entry.operations += 1;
    if (faulted === 0 && counter.calls > 0 && !isSubOperation(op)) entry.neverFaulted.push(op);
  }
  const all = Object.values(families);
  return { calls: all.reduce((s, f) => s + f.calls, 0), faulted: all.reduce((s, f) => s + f.faulted, 0), families };
}

const percent = (part: number, whole: number): string => (whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)} %`);

/** Lines for a terminal or a test's diagnostics. */
export function describeFigures(figures: Figures): string[] {
  const lines = [`calls ${figures.calls}, faulted ${figures.faulted} (${percent(figures.faulted, figures.calls)})`];
  for (const [family, f] of Object.entries(figures.families)) {
    const spared = f.neverFaulted.length === 0 ? '' : `; never hit: ${f.neverFaulted.join(' ')}`;
    lines.push(`  ${family.padEnd(10)} calls ${String(f.calls).padStart(6)}  faulted ${String(f.faulted).padStart(5)} (${percent(f.faulted, f.calls).padStart(6)})  ${f.operations} operations${spared}`);
  }
  return lines;
}
