/**
 * A fault storm outside `npm test`, for bigger runs: a sandbox process and a daemon process,
 * N lifecycles under the transient mix at a rate, then the permanent-fault cases; prints the
 * figures and every problem, exits 1 when there is one.
 *
 *   npx tsx test/faults/run.ts [--rate 0.1] [--services 24] [--seed 1] [--timeout-share 0.1]
 *                              [--time-scale 0.005] [--max-retries 3] [--late] [--no-permanent]
 */
import { parseArgs } from 'node:util';
import { startProcessStack } from '../support/sandbox-process.js';
import { describeFigures } from './figures.js';
import { PERMANENT_CASES, runPermanentCase } from './permanent.js';
import { checkStorm, drain } from './storm-check.js';
import { describeStorm } from './storm-report.js';
import { strays } from './strays.js';
import { runStorm } from './storm.js';

const USAGE = `usage: npx tsx test/faults/run.ts [--rate R] [--services N] [--seed N] [--timeout-share S]
                                  [--time-scale S] [--max-retries N] [--late] [--no-permanent]
  --rate           probability that a call of any simulator operation is faulted (default 0.1)
  --services       lifecycles run at once (default 24; one in four is left active)
  --seed           seed of the sandbox's fault generator (default 1)
  --timeout-share  time-outs at rate × this (default 0.1; each costs the client's 5–30 s timeout)
  --time-scale     the sandbox's wall-clock seconds per model second (default 0.005)
  --max-retries    operator retries per lifecycle when a step's retry budget runs out (default 3; 0 = none)
  --late           also one late write per write operation (carried out after the client timed out)
  --no-permanent   skip the permanent-fault cases
`;

const write = (line: string): void => void process.stdout.write(`${line}\n`);

function numberOf(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0, got "${text}"`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string' },
      services: { type: 'string' },
      seed: { type: 'string' },
      'timeout-share': { type: 'string' },
      'time-scale': { type: 'string' },
      'max-retries': { type: 'string' },
      'no-permanent': { type: 'boolean' },
      late: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const rate = numberOf('rate', values.rate, 0.1);
  const services = Math.floor(numberOf('services', values.services, 24));
  const seed = Math.floor(numberOf('seed', values.seed, 1));
  const tag = `r${seed}`;
  const stack = await startProcessStack({ timeScale: numberOf('time-scale', values['time-scale'], 0.005) });
  try {
    const report = await runStorm(stack, {
      rate, services, seed, tag,
      timeoutShare: numberOf('timeout-share', values['timeout-share'], 0.1),
      maxRetries: Math.floor(numberOf('max-retries', values['max-retries'], 3)),
      lateWrites: values.late === true,
    });
    const problems = await checkStorm(stack.sandbox, report.outcomes);
    for (const line of describeStorm(report)) write(line);
    for (const line of describeFigures(report.figures)) write(line);
    const drained = await drain(stack, report.outcomes);
    const cut = report.outcomes.filter((o) => o.problem !== undefined).length;
    if (cut > 0) {
      write(`cut short by the storm: ${cut}; deleted without faults afterwards: ${drained.length === 0 ? 'all cleanly' : 'with problems'}`);
      problems.push(...drained);
      const kept = report.outcomes.flatMap((o) => (o.problem === undefined && o.plan.end === 'active' && o.vmid !== undefined && o.fqdn !== undefined ? [{ vmid: o.vmid, fqdn: o.fqdn, customDomains: [o.plan.domain] }] : []));
      problems.push(...(await strays(stack.sandbox, kept)).map((s) => `stray after draining: ${s}`));
    }
    if (values['no-permanent'] !== true) {
      write('permanent faults:');
      for (const c of PERMANENT_CASES) {
        const result = await runPermanentCase(stack, c, tag);
        write(`  ${c.system.padEnd(10)} ${c.fault.op} ${c.fault.status ?? c.fault.kind} → ${c.at} ${c.step} ${c.code}: ${result.hits} hit(s), ${result.problems.length === 0 ? 'failed cleanly, nothing left' : 'PROBLEMS'}`);
        problems.push(...result.problems.map((p) => `${result.serviceId}: ${p}`));
      }
    }
    write(problems.length === 0 ? 'no problems' : `${problems.length} problem(s):`);
    for (const p of problems) write(`  ${p}`);
    return problems.length === 0 ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
