/** A chaos run's figures as a two-column table, and its violations below, for the terminal. */
import type { ChaosResult } from './chaos-runner.js';

export function formatReport(result: ChaosResult): string {
  const f = result.figures;
  const rows: [string, string][] = [
    ['seed', String(f.seed)],
    ['services', String(f.services)],
    ['kills (SIGKILL)', String(f.kills)],
    ['kills survived', String(f.killsSurvived)],
    ['kills with work in flight', String(f.killsMidWork)],
    ['services caught mid-work', String(f.lifecyclesInterrupted)],
    ['restarts', String(f.restarts)],
    ['lifecycles completed', `${f.lifecyclesCompleted}/${f.services}`],
    ['orphans', String(f.orphans)],
    ['duplicates', String(f.duplicates)],
    ['crashes', String(f.crashes)],
    ['commands sent', String(f.commands)],
    ['commands re-sent (answer lost)', String(f.commandsResent)],
    ['deliveries replayed at boot', String(f.deliveriesReplayed)],
    ['transitions logged', String(f.transitions)],
    ['violations', String(result.violations.length)],
    ['elapsed', `${(f.elapsedMs / 1000).toFixed(1)} s`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const valueWidth = Math.max(...rows.map(([, value]) => value.length));
  const rule = `+${'-'.repeat(width + 2)}+${'-'.repeat(valueWidth + 2)}+`;
  const lines = [rule, ...rows.map(([label, value]) => `| ${label.padEnd(width)} | ${value.padStart(valueWidth)} |`), rule];
  if (result.violations.length > 0) lines.push('', 'violations:', ...result.violations.map((v) => `  - ${v}`));
  return `${lines.join('\n')}\n`;
}
