/**
 * For the reconciler's process tests: a standalone sandbox and a daemon as child processes
 * (as test/support/sandbox-process.ts starts them, but keeping the environment the daemon got,
 * so that `provisiond reconcile` can run against the same database and sandbox), and the CLI
 * run as a child process of its own with a deadline.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxConnection } from '../../src/sandbox/sandbox.js';
import { exited, startScript, type Started } from '../support/child-process.js';
import { API_TOKEN, DaemonApi, SandboxProbe } from '../support/sandbox-process.js';

export interface ReconcileStack {
  readonly api: DaemonApi;
  readonly sandbox: SandboxProbe;
  /** The daemon's environment: what the CLI needs to see the same database and sandbox. */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startReconcileStack(timeScale: number): Promise<ReconcileStack> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-reconcile-'));
  const children: Started[] = [];
  const stop = async (): Promise<void> => {
    for (const started of children) started.child.kill('SIGKILL');
    await Promise.all(children.map((started) => exited(started.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const out = join(dir, 'sandbox.json');
    const sitePort = 20_000 + Math.floor(Math.random() * 20_000);
    const sandbox = startScript('src/sandbox/cli.ts', ['--out', out, '--time-scale', String(timeScale), '--site-port', String(sitePort)]);
    children.push(sandbox);
    await sandbox.line((l) => l.msg === 'sandbox listening');
    const connection = JSON.parse(readFileSync(out, 'utf8')) as SandboxConnection;
    const env = {
      HOST: '127.0.0.1',
      PROVISIOND_DB: join(dir, 'provisiond.db'),
      PROVISIOND_SANDBOX: out,
      PROVISIOND_API_TOKEN: API_TOKEN,
      PROVISIOND_CONFIG: '',
      LOG_LEVEL: 'info',
    };
    const daemon = startScript('src/main.ts', [], { ...env, PORT: '0' });
    children.push(daemon);
    const listening = await daemon.line((l) => l.msg === 'provisiond is listening');
    const port = (listening.address as { port: number }).port;
    return { api: new DaemonApi(`http://127.0.0.1:${port}`), sandbox: new SandboxProbe(connection), env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `src/cli.ts <args>` as a child process with exactly `env` (plus PATH); killed after `timeoutMs`. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 60_000): Promise<CliResult> {
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
