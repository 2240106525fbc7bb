/**
 * `npm run chaos`: many service lifecycles against a standalone sandbox while the daemon is
 * SIGKILLed at seeded random moments and restarted, then every invariant checked. Prints the
 * figures as a table (or JSON with --json) and exits 1 on any violation.
 *
 *   npm run chaos -- [--seed 1] [--services 30] [--kills 50] [--time-scale 0.01] [--max-uptime 3000] [--json]
 */
import { parseArgs } from 'node:util';
import { runChaos } from './chaos-runner.js';
import { formatReport } from './report.js';

const USAGE = `usage: npm run chaos -- [--seed N] [--services N] [--kills N] [--time-scale S] [--max-uptime MS] [--settle S] [--json]
  --seed        decides every script, start and kill moment (default 1)
  --services    concurrent service lifecycles (default 30)
  --kills       SIGKILLs of the daemon (default 50)
  --time-scale  the sandbox's wall-clock seconds per model second (default 0.01)
  --max-uptime  longest a daemon serves before it is killed, in ms (default 3000)
  --settle      seconds lifecycles may take to settle after the last kill (default 240)
  --json        print the result as JSON instead of a table
`;

function count(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${text}"`);
  return value;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      services: { type: 'string' },
      kills: { type: 'string' },
      'time-scale': { type: 'string' },
      'max-uptime': { type: 'string' },
      settle: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const timeScale = Number(values['time-scale'] ?? '0.01');
  if (!Number.isFinite(timeScale) || timeScale < 0) throw new Error(`--time-scale must be a number ≥ 0, got "${values['time-scale']}"`);
  const result = await runChaos({
    seed: count('seed', values.seed, 1, 0),
    services: count('services', values.services, 30, 1),
    kills: count('kills', values.kills, 50, 0),
    timeScale,
    maxUptimeMs: count('max-uptime', values['max-uptime'], 3_000, 1),
    settleTimeoutMs: count('settle', values.settle, 240, 1) * 1000,
    log: (line) => process.stderr.write(`chaos: ${line}\n`),
  });
  process.stdout.write(values.json === true ? `${JSON.stringify({ figures: result.figures, violations: result.violations }, null, 2)}\n` : formatReport(result));
  return result.violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
