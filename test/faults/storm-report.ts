/** A storm's outcome as lines of text: the settings, how the lifecycles ended, which retry budgets ran out. */
import type { StormReport } from './storm.js';

export function describeStorm(report: StormReport): string[] {
  const { options, outcomes } = report;
  const ms = outcomes.map((o) => o.ms).sort((a, b) => a - b);
  const at = (q: number): string => `${((ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0) / 1000).toFixed(1)} s`;
  const kept = outcomes.filter((o) => o.plan.end === 'active').length;
  const fine = outcomes.filter((o) => o.problem === undefined && o.state === o.plan.end).length;
  const exhausted = outcomes.flatMap((o) => o.exhausted);
  const lines = [
    `fault storm: rate ${options.rate}, seed ${options.seed}, ${outcomes.length} lifecycles (${kept} left active), ${(report.durationMs / 1000).toFixed(1)} s`,
    `  ended as planned: ${fine}/${outcomes.length}; lifecycle time median ${at(0.5)}, max ${at(1)}`,
    `  once-each faults hit: ${report.onceEach.hit}/${report.onceEach.of}; credentials expired ${report.expiries} times`,
    `  retry budgets run out (resumed with retry): ${exhausted.length}`,
  ];
  for (const e of exhausted) lines.push(`    ${e.serviceId} ${e.phase}/${e.step}: ${e.code} ${e.message}`);
  const undone = outcomes.flatMap((o) => o.compensationErrors.map((e) => `${o.plan.serviceId} ${e}`));
  lines.push(`  inverses that failed during a compensation: ${undone.length}`);
  for (const line of undone) lines.push(`    ${line}`);
  const names = [...new Set(outcomes.flatMap((o) => Object.keys(o.phases)))];
  const spread = names.map((name) => {
    const times = outcomes.flatMap((o) => (o.phases[name] === undefined ? [] : [o.phases[name]])).sort((a, b) => a - b);
    const pick = (q: number): string => `${((times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0) / 1000).toFixed(1)}`;
    return `${name} ${pick(0.5)}/${pick(1)}`;
  });
  lines.push(`  phase seconds (median/max): ${spread.join(', ')}`);
  return lines;
}
