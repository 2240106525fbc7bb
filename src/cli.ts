/**
 * `provisiond`: the operator's command line (src/cli/program.ts; `provisiond --help`).
 * bin/provisiond.mjs and `npm run reconcile` run this file. Exit status: 0 done, 1 failed or
 * findings remain, 2 usage or configuration error; `serve` and `sandbox` keep running.
 */
import { runCli } from './cli/program.js';

/** Exit once what was written has reached stdout and stderr (a pipe may still hold it). */
function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

const context = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // Only the commands that ask a question touch stdin: opening it needlessly can hold the process.
  get stdin() {
    return process.stdin;
  },
};

runCli(process.argv.slice(2), context).then(
  (outcome) => {
    if (outcome !== 'running') exitAfterFlush(outcome);
  },
  (error: unknown) => {
    console.error(error);
    exitAfterFlush(1);
  },
);
