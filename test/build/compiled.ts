/**
 * The production build as a test or a benchmark uses it: `npm run build` into a folder of its
 * own (so neither touches the dist/ an operator may have built), and a child process running
 * that output with plain node, no tsx, whose JSON log lines can be awaited.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Started } from '../support/child-process.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Build {
  /** Absolute path of the compiled tree (main.js, cli.js, ... as in src/). */
  readonly outDir: string;
  remove(): void;
}

/**
 * Runs scripts/build.mjs (what `npm run build` runs) into a new folder `<prefix>XXXXXX` in
 * the project: directly there, because the compiled modules read ../../package.json.
 */
export async function buildInto(prefix: `dist-${string}`): Promise<Build> {
  const outDir = mkdtempSync(join(ROOT, prefix));
  const remove = () => rmSync(outDir, { recursive: true, force: true });
  const child = spawn(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out-dir', outDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) {
    remove();
    throw new Error(`npm run build exited with ${code}: ${output.slice(-2000)}`);
  }
  return { outDir, remove };
}

/** `node <args>` (no loader), with its stdout read as JSON log lines. */
export function startNode(args: readonly string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    if (!text.startsWith('{')) return;
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const waiter of waiters) if (waiter.match(line)) waiter.resolve(line);
  });
  const what = `node ${args.join(' ')}`;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    line: (match) =>
      new Promise((resolve, reject) => {
        const seen = lines.find(match);
        if (seen !== undefined) return resolve(seen);
        waiters.push({ match, resolve });
        child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before the expected line; stderr: ${stderr.slice(-500)}`)));
        setTimeout(() => reject(new Error(`${what}: no matching line within 60 s`)), 60_000).unref();
      }),
  };
}
