/**
 * The reconciler's report: each finding with what became of its repair, the systems that
 * could not be read, and counts; rendered as text for people or as JSON for tools.
 */
import type { Finding, System } from './types.js';

export type FixOutcome =
  | { readonly status: 'fixed' }
  | { readonly status: 'failed'; readonly message: string; readonly code?: string }
  /** Not safe to repair automatically. */
  | { readonly status: 'manual'; readonly reason: string }
  /** Safe, but not attempted: the service changed state since it was judged, or the run was cancelled. */
  | { readonly status: 'skipped'; readonly reason: string };

export interface ReportEntry {
  readonly finding: Finding;
  /** Absent when the run only checked, and for busy services. */
  readonly fix?: FixOutcome;
}

export interface Report {
  readonly at: number;
  /** Whether repairs were asked for (`--fix`). */
  readonly fix: boolean;
  readonly entries: readonly ReportEntry[];
  readonly unreadable: readonly { readonly system: System; readonly message: string }[];
}

export interface Summary {
  readonly orphan: number;
  readonly missing: number;
  readonly drift: number;
  readonly busy: number;
  readonly fixed: number;
  /** Findings (busy services aside) that still stand after this run. */
  readonly remaining: number;
  readonly unreadable: number;
}

export function summarise(report: Report): Summary {
  const count = (kind: string): number => report.entries.filter((e) => e.finding.kind === kind).length;
  const fixed = report.entries.filter((e) => e.fix?.status === 'fixed').length;
  return {
    orphan: count('orphan'),
    missing: count('missing'),
    drift: count('drift'),
    busy: count('busy'),
    fixed,
    remaining: report.entries.filter((e) => e.finding.kind !== 'busy' && e.fix?.status !== 'fixed').length,
    unreadable: report.unreadable.length,
  };
}

/** 0: nothing stands (or everything found was fixed); 1: findings remain or a system could not be read. */
export function exitCodeOf(report: Report): 0 | 1 {
  const summary = summarise(report);
  return summary.remaining === 0 && summary.unreadable === 0 ? 0 : 1;
}

/** The JSON form (snake_case, as the HTTP API). */
export function reportJson(report: Report): Record<string, unknown> {
  return {
    at: new Date(report.at).toISOString(),
    fix: report.fix,
    findings: report.entries.map(({ finding, fix }) => ({
      kind: finding.kind,
      system: finding.system,
      resource: finding.resource,
      service_id: finding.serviceId,
      service_state: finding.serviceState ?? null,
      detail: finding.detail,
      ...(fix === undefined ? {} : { fix }),
    })),
    unreadable: report.unreadable,
    summary: summarise(report),
  };
}

function outcomeText(fix: FixOutcome | undefined): string {
  if (fix === undefined) return '';
  switch (fix.status) {
    case 'fixed':
      return '  → fixed';
    case 'failed':
      return `  → repair failed: ${fix.message}`;
    case 'manual':
      return `  → left for an operator: ${fix.reason}`;
    case 'skipped':
      return `  → skipped: ${fix.reason}`;
  }
}

/** One line per finding, then the systems not read and the totals. */
export function reportText(report: Report): string {
  const summary = summarise(report);
  const lines = [`provisiond reconcile${report.fix ? ' --fix' : ''} at ${new Date(report.at).toISOString()}`];
  const width = (pick: (e: ReportEntry) => string): number => Math.max(0, ...report.entries.map((e) => pick(e).length));
  const systemWidth = width((e) => e.finding.system);
  const resourceWidth = width((e) => e.finding.resource);
  const serviceWidth = width((e) => e.finding.serviceId);
  for (const entry of report.entries) {
    const { finding } = entry;
    lines.push(
      [finding.kind.toUpperCase().padEnd(7), finding.system.padEnd(systemWidth), finding.resource.padEnd(resourceWidth), finding.serviceId.padEnd(serviceWidth), finding.detail].join('  ') +
        outcomeText(entry.fix),
    );
  }
  for (const { system, message } of report.unreadable) lines.push(`UNREAD   ${system}: ${message}`);
  lines.push(
    `${summary.orphan} orphan, ${summary.missing} missing, ${summary.drift} drift, ${summary.busy} busy` +
      (report.fix ? `; ${summary.fixed} fixed` : '') +
      `; ${summary.remaining} remaining${summary.unreadable > 0 ? `; ${summary.unreadable} system(s) not read` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
