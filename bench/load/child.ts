/**
 * Benchmark child processes: a TypeScript entry point run by node with tsx, its JSON lines on
 * stdout observable, and (optionally) an IPC channel for questions such as "your CPU time so
 * far". Every process a benchmark measures runs apart from the benchmark itself, so the
 * measuring side's event loop never shares a thread with what it measures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Child {
  readonly process: ChildProcess;
  /** The first JSON line on stdout that satisfies `match` (seen already or still to come). */
  line(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Ask over IPC: send `message`, resolve with the first reply whose `type` is `replyType`. */
  ask<T>(message: Record<string, unknown>, replyType: string, timeoutMs?: number): Promise<T>;
  stderr(): string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

export interface ChildOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  readonly ipc?: boolean;
  readonly cwd?: string;
}

export function startChild(script: string, args: readonly string[], options: ChildOptions = {}): Child {
  const stdio = options.ipc === true ? (['ignore', 'pipe', 'pipe', 'ipc'] as const) : (['ignore', 'pipe', 'pipe'] as const);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, ...args], {
    env: { ...process.env, ...options.env },
    stdio: [...stdio],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  // Only the tail matters for an error message; a chatty child must not grow this forever.
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  if (child.stdout === null) throw new Error('the child has no stdout pipe');
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    // Log lines of a daemon are many; keep only what someone may still wait for.
    if (lines.length < 1000) lines.push(line);
    for (const waiter of waiters.filter((w) => w.match(line))) waiter.resolve(line);
  });
  const exitedEarly = (what: string) => new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr: ${stderr.slice(-1500)}`);

  return {
    process: child,
    stderr: () => stderr,
    line: (match, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen !== undefined) return resolve(seen);
        waiters.push({ match, resolve });
        child.once('exit', () => reject(exitedEarly('the expected line')));
        setTimeout(() => reject(new Error(`${script}: no matching line within ${timeoutMs} ms; stderr: ${stderr.slice(-1500)}`)), timeoutMs).unref();
      }),
    ask: <T>(message: Record<string, unknown>, replyType: string, timeoutMs = 60_000) =>
      new Promise<T>((resolve, reject) => {
        // Answered questions leave no listeners behind (a probe asks every few seconds).
        const onExit = (): void => reject(exitedEarly(`answering ${String(message.type)}`));
        const onMessage = (reply: unknown): void => {
          if ((reply as { type?: unknown }).type !== replyType) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          clearTimeout(timer);
          resolve(reply as T);
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
        const timer = setTimeout(() => reject(new Error(`${script}: no ${replyType} within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
        child.send(message);
      }),
    kill: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** Ends a child politely (SIGTERM), then by force after `graceMs`; resolves on exit. */
export function stopChild(child: Child, graceMs = 3000): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
