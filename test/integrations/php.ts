/**
 * PHP for the Paymenter extension's tests: whether it is installed, `php -l` on a file, and the
 * harness (integrations/paymenter/tests/harness.php) run to its JSON lines.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXTENSION_DIR = fileURLToPath(new URL('../../integrations/paymenter', import.meta.url));

/** A bound on every PHP run: the harness makes no network call and sleeps for nothing. */
const PHP_TIMEOUT_MS = 20_000;

export function phpVersion(): string | undefined {
  const run = spawnSync('php', ['-r', 'echo PHP_VERSION;'], { encoding: 'utf8', timeout: PHP_TIMEOUT_MS });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

export function phpFiles(dir: string = EXTENSION_DIR): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return phpFiles(path);
      return name.endsWith('.php') ? [path] : [];
    })
    .sort();
}

/** `php -l`: the output when the file does not parse, else undefined. */
export function lintError(file: string): string | undefined {
  const run = spawnSync('php', ['-l', file], { encoding: 'utf8', timeout: PHP_TIMEOUT_MS });
  return run.status === 0 ? undefined : `${run.stdout}${run.stderr}`;
}

/** An answer the harness scripted: a status and body, or a connection failure (its text). */
export type ScriptedOutcome = { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> } | string;

export interface RecordedRequest {
  readonly kind: 'request';
  readonly scenario: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown> | null;
  readonly timeout: number | null;
  readonly connect_timeout: number | null;
  readonly outcome: ScriptedOutcome;
}

export interface ScenarioEnd {
  readonly scenario: string;
  readonly kind: 'result' | 'exception';
  readonly value?: unknown;
  readonly message?: string;
  readonly error_code?: string | null;
  readonly slept: number[];
  readonly unused_answers: number;
}

export interface HarnessRun {
  readonly requests: RecordedRequest[];
  /** By scenario name. */
  readonly ends: Map<string, ScenarioEnd>;
}

/** Runs the harness with the token in its environment (never on its command line). */
export function runHarness(token: string): HarnessRun {
  const run = spawnSync('php', [join(EXTENSION_DIR, 'tests', 'harness.php')], {
    encoding: 'utf8',
    timeout: PHP_TIMEOUT_MS,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PROVISIOND_TOKEN: token },
  });
  if (run.status !== 0) throw new Error(`harness.php exited with ${String(run.status ?? run.signal)}: ${run.stderr}${run.stdout}`);
  const requests: RecordedRequest[] = [];
  const ends = new Map<string, ScenarioEnd>();
  for (const text of run.stdout.split('\n').filter((line) => line.trim() !== '')) {
    const line = JSON.parse(text) as RecordedRequest | ScenarioEnd;
    if (line.kind === 'request') requests.push(line);
    else ends.set(line.scenario, line);
  }
  return { requests, ends };
}
