/**
 * `serve` and `sandbox` run the daemon's and the sandbox's own entry modules in this process,
 * which start when imported and read their options from process.argv. The arguments are
 * handed over as if the module had been started directly (`tsx src/main.ts --inspect`), so
 * that each keeps one way of reading its command line and runs exactly as `npm start` and
 * `npm run sandbox` run it.
 */
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Outcome } from './context.js';

/** '.ts' when run through tsx, '.js' from the build in dist/: argv names the file that runs. */
const EXTENSION = extname(fileURLToPath(import.meta.url));

function handOver(entry: URL, args: readonly string[]): void {
  process.argv.splice(1, process.argv.length - 1, fileURLToPath(entry), ...args);
}

export async function serve(inspect: boolean): Promise<Outcome> {
  handOver(new URL(`../main${EXTENSION}`, import.meta.url), inspect ? ['--inspect'] : []);
  await import('../main.js');
  // main.ts owns the process from here: it exits on a startup error or after a shutdown.
  return 'running';
}

export async function sandbox(args: readonly string[]): Promise<Outcome> {
  handOver(new URL(`../sandbox/cli${EXTENSION}`, import.meta.url), args);
  await import('../sandbox/cli.js');
  return 'running';
}
