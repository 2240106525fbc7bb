/** The one table `npm run bench` prints: a line per figure, columns padded to line up. */
import type { Figure } from '../benchmark.js';

/** Three significant digits, without exponent notation for the usual magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 1000) return Math.round(value).toLocaleString('en-US');
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function targetCell(figure: Figure, quick: boolean): string {
  if (figure.target === undefined) return '';
  // Quick mode only proves a benchmark still runs: its figures are not meant to meet targets.
  const verdict = quick ? 'not judged (quick)' : figure.target.met ? 'met' : 'MISSED';
  return `${figure.target.text}: ${verdict}`;
}

export function figureRows(figures: readonly Figure[], quick: boolean): string[][] {
  return figures.map((figure) => [
    figure.group,
    figure.name,
    `${formatNumber(figure.value)} ${figure.unit}`,
    figure.reference === undefined ? '' : `${figure.reference.name}: ${formatNumber(figure.reference.value)} ${figure.unit}`,
    figure.ratio === undefined ? '' : `${formatNumber(figure.ratio)}×`,
    targetCell(figure, quick),
  ]);
}

export const TABLE_HEADER = ['group', 'figure', 'value', 'reference', 'ratio', 'target'];

/** Left-aligned text, right-aligned value and ratio columns; trailing blanks trimmed. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const numeric = new Set([2, 4]);
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => (numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}
