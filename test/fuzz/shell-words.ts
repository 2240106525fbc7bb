/**
 * Reads a command line back into words two ways: with shell-quote's parser (no shell runs; an
 * operator, glob, comment or `$` expansion shows up as something other than a word), and with
 * the real shells a Proxmox node may hand it to (bash, and dash as POSIX sh), where `pct` is a
 * function that prints its arguments. bash runs with `set -u` and `failglob`, so an unquoted
 * variable or glob is an error rather than a silent no-op.
 */
import { spawnSync } from 'node:child_process';
import { parse } from 'shell-quote';

export type ParsedWords = { readonly ok: true; readonly words: string[] } | { readonly ok: false; readonly why: string };

/**
 * shell-quote's reading, refusing anything that is not a plain word. A glob entry is read as
 * its pattern: shell-quote flags `*` and `?` even when escaped (`\\*`), so whether a glob is
 * really unquoted is left to bash, whose `failglob` makes one an error.
 */
export function parseWords(line: string): ParsedWords {
  let entries: ReturnType<typeof parse>;
  try {
    entries = parse(line, (name) => {
      throw new Error(`expands $${name}`);
    });
  } catch (error) {
    return { ok: false, why: error instanceof Error ? error.message : String(error) };
  }
  const words: string[] = [];
  for (const entry of entries) {
    if (typeof entry === 'string') words.push(entry);
    else if ('op' in entry && entry.op === 'glob') words.push(entry.pattern);
    else return { ok: false, why: `not a word: ${JSON.stringify(entry)}` };
  }
  return { ok: true, words };
}

export interface ShellRun {
  readonly status: number | null;
  readonly stderr: string;
  /** The arguments `pct` received. */
  readonly argv: string[];
}

const PRELUDE = {
  bash: "set -u\nshopt -s failglob\npct() { printf '%s\\0' \"$@\"; }\n",
  dash: "set -u\npct() { printf '%s\\0' \"$@\"; }\n",
} as const;

/** Runs `line` in `shell` inside `cwd` (an empty directory, so nothing can match a glob). */
export function runInShell(shell: keyof typeof PRELUDE, line: string, cwd: string): ShellRun {
  // HOME set: without it bash asks the user database for one, which can take half a second.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd };
  const ran = spawnSync(shell, ['-c', `${PRELUDE[shell]}${line}`], { cwd, encoding: 'utf8', env, timeout: 10_000 });
  return { status: ran.status, stderr: ran.stderr, argv: ran.stdout.split('\0').slice(0, -1) };
}
