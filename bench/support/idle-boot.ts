/**
 * One boot of the daemon on a given database file, against a standalone sandbox: the time from
 * spawning the process to the first `200` of GET /readyz, and the process's peak RSS then.
 * Started either from the build, as an operator's `provisiond serve` runs it (`node
 * dist/cli.js serve`, bin/provisiond.mjs's choice when dist/ is current), or from the
 * TypeScript through tsx, as `npm start` runs it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, startScript, type Started } from '../../test/support/child-process.js';
import { startNode } from '../../test/build/compiled.js';
import { startScriptNodeFlags } from '../load/stack.js';
import { API_TOKEN, daemonEnvironment, listeningUrl } from '../../test/support/sandbox-process.js';

/** How the daemon is started: the compiled tree in `outDir`, or the sources through tsx. */
export type Launch = { readonly kind: 'compiled'; readonly outDir: string } | { readonly kind: 'tsx' };

export interface BootMeasure {
  /** Process spawned → /readyz answered 200, in ms. */
  readonly readyMs: number;
  /**
   * Process spawned → its first log line, in ms: node starting and loading the module graph
   * (through tsx, compiling TypeScript, for a tsx launch) before main() can say anything.
   */
  readonly loadMs: number;
  /**
   * CPU time (user + system) the daemon process had used once ready, in ms: on a loaded
   * machine this moves far less than the wall-clock figures.
   */
  readonly cpuMs: number;
  /** Peak resident set size of the daemon process (VmHWM) once ready, in MiB. */
  readonly peakRssMiB: number;
  /** Actors the registry restored at boot (its own "services restored" line). */
  readonly restored: number;
  /** Services the first page of GET /v1/services showed as active and healthy (views work without actors). */
  readonly activePage: number;
}

function peakRssMiB(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error('no VmHWM in /proc: peak RSS needs Linux');
  return Number(match[1]) / 1024;
}

/** utime + stime of /proc/<pid>/stat, fields 14 and 15 after the parenthesised command name. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields from the third (state) on; clock ticks are 1/100 s on Linux (USER_HZ).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function readyAt(url: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/readyz`);
    await response.arrayBuffer();
    if (response.status === 200) return performance.now();
    if (Date.now() > deadline) throw new Error(`/readyz still answers ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The build is started as the systemd unit starts it, with the Node flags of `npm start` (the same). */
function start(launch: Launch, env: NodeJS.ProcessEnv): Started {
  return launch.kind === 'compiled' ? startNode([...startScriptNodeFlags(), join(launch.outDir, 'cli.js'), 'serve'], env) : startScript('src/main.ts', [], env);
}

export async function measureBoot(dbPath: string, sandboxFile: string, launch: Launch): Promise<BootMeasure> {
  const began = performance.now();
  const spawnedAt = Date.now();
  const daemon = start(launch, {
    ...daemonEnvironment(dbPath, sandboxFile, 'info'),
    PROVISIOND_LOG_FORMAT: 'json',
    // The reconciler's first run is an interval away anyway; off, so nothing but boot is measured.
    PROVISIOND_RECONCILE_MINUTES: '0',
  });
  const pid = daemon.child.pid;
  try {
    if (pid === undefined) throw new Error('the daemon did not start');
    const url = await listeningUrl(daemon);
    const ready = await readyAt(url, 30_000);
    const peak = peakRssMiB(pid);
    const cpu = cpuMs(pid);
    const report = await daemon.line((line) => line.msg === 'services restored');
    // pino stamps each line with epoch ms: the first one is main()'s first word.
    const first = await daemon.line(() => true);
    const page = await fetch(`${url}/v1/services?limit=100`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    const body = (await page.json()) as { services?: { state: string; healthy: boolean }[] };
    if (page.status !== 200 || body.services === undefined) throw new Error(`GET /v1/services answered ${page.status}`);
    return {
      readyMs: ready - began,
      loadMs: Number(first.time) - spawnedAt,
      cpuMs: cpu,
      peakRssMiB: peak,
      restored: Number(report.restored),
      activePage: body.services.filter((s) => s.state === 'active' && s.healthy).length,
    };
  } finally {
    daemon.child.kill('SIGKILL');
    await exited(daemon.child);
  }
}
