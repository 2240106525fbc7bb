/**
 * Starting what the load benchmarks measure, each piece its own process on loopback, port 0,
 * in a temporary directory: the bench sandbox, the bench daemon (daemon-server.ts) or the real
 * daemon (src/main.ts), and a way to stop them all.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChild, stopChild, type Child, type ChildOptions } from './child.js';

export const BENCH_TOKEN = 'a-benchmark-token-of-enough-length';
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const script = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** What the bench daemon says of itself over IPC. */
export interface DaemonUsage {
  readonly cpuUs: number;
  readonly maxRssKiB: number;
  readonly rssBytes: number;
  readonly lastSeq: number;
  readonly live: number;
  /** Work running and waiting per system (empty with instant effects). */
  readonly queues: Record<string, { readonly active: number; readonly pending: number }>;
}

export interface Daemon {
  readonly child: Child;
  readonly origin: string;
}

/** Children and a temp dir, torn down together (children first, by their own ids). */
export class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-'));
  private readonly children: Child[] = [];

  start(path: string, args: readonly string[], options: ChildOptions = {}): Child {
    const child = startChild(path, args, { cwd: ROOT, ...options });
    this.children.push(child);
    return child;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(child: Child, graceMs = 3000): Promise<void> {
    await stopChild(child, graceMs);
  }

  async close(): Promise<void> {
    await Promise.all(this.children.map((child) => child.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The bench sandbox (big loopback pool, Cloudflare limit lifted); resolves with its connection file. */
export async function startSandbox(processes: Processes, timeScale: number): Promise<string> {
  return (await startSandboxProcess(processes, timeScale)).file;
}

/** startSandbox, with the child too (to stop it on purpose, e.g. so its CPU profile is written). */
export async function startSandboxProcess(processes: Processes, timeScale: number): Promise<{ file: string; child: Child }> {
  const file = join(processes.dir, 'sandbox.json');
  const sitePort = 20_000 + Math.floor(Math.random() * 20_000);
  // BENCH_SANDBOX_CPU_PROF_DIR: profile the sandbox too (written when it is stopped with SIGTERM).
  const profileDir = process.env.BENCH_SANDBOX_CPU_PROF_DIR;
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const child = processes.start(script('./sandbox-server.ts'), ['--out', file, '--time-scale', String(timeScale), '--site-port', String(sitePort)], { nodeArgs });
  await child.line((line) => line.msg === 'bench sandbox listening');
  return { file, child };
}

/** daemon-server.ts against a sandbox connection file, or with every effect instant. */
export async function startBenchDaemon(processes: Processes, target: { sandboxFile: string } | 'instant', name = 'daemon'): Promise<Daemon> {
  const env: NodeJS.ProcessEnv = { BENCH_DB: join(processes.dir, `${name}.db`), BENCH_TOKEN };
  if (target === 'instant') env.BENCH_EFFECTS = 'instant';
  else env.BENCH_SANDBOX = target.sandboxFile;
  // BENCH_CPU_PROF_DIR: profile the daemon (written when it is stopped with SIGTERM).
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profileDir];
  const child = processes.start(script('./daemon-server.ts'), [], { env, ipc: true, nodeArgs });
  const listening = await child.line((line) => line.msg === 'bench daemon listening');
  return { child, origin: `http://127.0.0.1:${String(listening.port)}` };
}

export const usage = (daemon: Daemon): Promise<DaemonUsage> => daemon.child.ask<DaemonUsage>({ type: 'usage' }, 'usage');

/**
 * The Node flags `npm start` gives the daemon: package.json's "start" is
 * `node <flags…> --import tsx src/main.ts`. Read from there, so the benchmark runs the daemon
 * with the heap settings an operator's daemon has; any other shape of the script is an error.
 */
export function startScriptNodeFlags(packageJson = readFileSync(join(ROOT, 'package.json'), 'utf8')): string[] {
  const start = (JSON.parse(packageJson) as { scripts?: { start?: string } }).scripts?.start ?? '';
  const match = /^node((?: --[\w-]+(?:=\S+)?)*) --import tsx src\/main\.ts$/.exec(start);
  if (match === null) throw new Error(`package.json "start" is not \`node <flags…> --import tsx src/main.ts\`: ${start}`);
  return (match[1] ?? '').split(' ').filter((word) => word !== '');
}

/**
 * The real daemon, `src/main.ts`, as `npm start` runs it (its Node flags too), against a
 * standalone sandbox: the production log level, no rate limit, and a VMID range as big as the
 * bench sandbox's pool.
 */
export async function startMainDaemon(processes: Processes, sandboxFile: string, nodeArgs: readonly string[] = []): Promise<Daemon> {
  const config = join(processes.dir, 'provisiond.json');
  writeFileSync(config, JSON.stringify({ pools: { vmids: { first: 100_000, last: 199_999 } } }));
  const child = processes.start(join(ROOT, 'src/main.ts'), [], {
    nodeArgs: [...startScriptNodeFlags(), ...nodeArgs],
    env: {
      PORT: '0',
      HOST: '127.0.0.1',
      PROVISIOND_DB: join(processes.dir, 'provisiond.db'),
      PROVISIOND_SANDBOX: sandboxFile,
      PROVISIOND_CONFIG: config,
      PROVISIOND_API_TOKEN: BENCH_TOKEN,
      // 500 requests/s from one address is the load itself, not abuse.
      PROVISIOND_RATE_LIMIT: '0',
      PROVISIOND_RECONCILE_MINUTES: '0',
      // Stopping should not wait for the provisions still running (and --cpu-prof writes at exit).
      PROVISIOND_SHUTDOWN_GRACE_SECONDS: '0',
      LOG_LEVEL: 'info',
      PROVISIOND_LOG_FORMAT: 'json',
    },
  });
  const listening = await child.line((line) => line.msg === 'provisiond is listening');
  return { child, origin: `http://127.0.0.1:${(listening.address as { port: number }).port}` };
}
