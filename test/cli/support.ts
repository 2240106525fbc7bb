/**
 * `provisiond` as an operator runs it: bin/provisiond.mjs started as its own executable (so its
 * shebang, mode and tsx loading are exercised too), with exactly the environment given (plus
 * PATH), stdin not a terminal, and a deadline. Loopback and temp dirs only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import type { Outcome } from '../../src/cli/context.js';

export const BIN = fileURLToPath(new URL('../../bin/provisiond.mjs', import.meta.url));

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout matches; fails with what was printed after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit status (or null when killed by a signal). */
  exited(): Promise<number | null>;
}

export function startProvisiond(args: readonly string[], env: Readonly<Record<string, string>>): Running {
  const child = spawn(BIN, [...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited: () => exit,
    async waitForOutput(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stdout)) {
        if (child.exitCode !== null) throw new Error(`provisiond ${args.join(' ')} exited ${child.exitCode} before printing ${pattern}; stdout: ${stdout}; stderr: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`provisiond ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

/** Runs to the end; killed (and failed) after `timeoutMs`. */
export async function runProvisiond(args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 30_000): Promise<Run> {
  const running = startProvisiond(args, env);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), timeoutMs);
  try {
    const code = await running.exited();
    if (code === null) throw new Error(`provisiond ${args.join(' ')} was killed after ${timeoutMs} ms; stderr: ${running.stderr()}`);
    return { code, stdout: running.stdout(), stderr: running.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** The command line run in this process, for what needs no I/O (help, usage errors). */
export async function runInProcess(args: readonly string[]): Promise<{ outcome: Outcome; stdout: string; stderr: string }> {
  const collect = (): { stream: PassThrough; text: () => string } => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    return { stream, text: () => text };
  };
  const out = collect();
  const err = collect();
  const outcome = await runCli(args, { env: {}, stdout: out.stream, stderr: err.stream, stdin: new PassThrough() });
  // PassThrough delivers 'data' on a later tick.
  await new Promise((resolve) => setImmediate(resolve));
  return { outcome, stdout: out.text(), stderr: err.text() };
}

/** A loopback port nothing listens on (it was free a moment ago): a stopped daemon's address. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
