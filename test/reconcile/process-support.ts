/**
 * For the reconciler's process tests: the CLI run as a child process of its own with a deadline
 * and exactly the environment given, such as the daemon's (ProcessStack.env of
 * test/support/sandbox-process.ts), so that `provisiond reconcile` sees the same database and
 * sandbox.
 */
import { spawn } from 'node:child_process';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `src/cli.ts <args>` as a child process with exactly `env` (plus PATH); killed after `timeoutMs`. */
export function runCli(args: readonly string[], env: Readonly<NodeJS.ProcessEnv>, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`provisiond ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr.slice(-1000)}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
