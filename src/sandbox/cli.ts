/**
 * `npm run sandbox`: the sandbox as its own process, so a daemon can be killed and restarted
 * against simulators that keep their state. It writes the connection the daemon needs —
 * generated credentials included — to a file only its owner can read, and prints where each
 * simulator listens and where that file is, never the secrets themselves.
 *
 *   npm run sandbox -- [--time-scale 0.02] [--seed 1] [--site-port 18080] [--out data/sandbox.json]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createSandbox } from './sandbox.js';

const USAGE = `usage: npm run sandbox -- [--time-scale N] [--seed N] [--site-port N] [--out FILE]
  --time-scale  wall-clock seconds per model second of the workflow's timing table (default 0.02; 0 = instant)
  --seed        seed of the fault generator (default 1)
  --site-port   port every simulated container serves its site on (default 18080)
  --out         where to write the daemon's connection file, mode 0600 (default data/sandbox.json)
Then start the daemon with PROVISIOND_SANDBOX=<that file>.
`;

function number(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number ≥ 0, got "${text}"`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'time-scale': { type: 'string' },
      seed: { type: 'string' },
      'site-port': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const out = resolve(values.out ?? 'data/sandbox.json');
  const sandbox = await createSandbox({
    timeScale: number('time-scale', values['time-scale'], 0.02),
    seed: number('seed', values.seed, 1),
    sitePort: number('site-port', values['site-port'], 18080),
  });
  mkdirSync(dirname(out), { recursive: true });
  // Replace rather than rewrite, so the mode is 0600 even if an older file was wider.
  rmSync(out, { force: true });
  writeFileSync(out, `${JSON.stringify(sandbox.connection, null, 2)}\n`, { mode: 0o600 });
  process.stdout.write(`${JSON.stringify({ msg: 'sandbox listening', addresses: sandbox.addresses, connectionFile: out, daemon: `PROVISIOND_SANDBOX=${out} npm start` })}\n`);

  const stop = async (): Promise<void> => {
    await sandbox.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
