/**
 * `restore <file>`: the database replaced by a backup, only while nothing uses it.
 *
 * Two checks, because each sees what the other cannot. The daemon's URL: a daemon that answers
 * there may have its database anywhere, even on another machine sharing the disk, and it would
 * go on writing over a restored file. SQLite's exclusive lock on the database itself: any local
 * process that has it open (a daemon on another port, a reconcile, a backup) holds a shared
 * lock on its WAL index for as long as the file is open, so the lock is refused even when
 * that process is idle. The lock is asked again just before the file is swapped.
 *
 * The backup is copied beside the database and checked there (the check reads the very bytes
 * that go into place), then renamed over it: the database is the old file or the new, never a mix.
 */
import { chmodSync, closeSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { checkDatabaseFile, releaseForReplacement, type DatabaseFileCheck } from '../persistence/backup.js';
import { LATEST_SCHEMA_VERSION } from '../persistence/schema-version.js';
import { askToConfirm } from './confirm.js';
import { CommandFailure, EXIT, UsageError, type CliContext } from './context.js';
import { daemonUrl, databasePath, networkReason } from './daemon-client.js';

const PROBE_TIMEOUT_MS = 2_000;
const COMPANIONS = ['-wal', '-shm', '-journal'] as const;

/** Any HTTP answer at all (401 included) means a daemon is there; only a refused connection means none. */
async function refuseIfDaemonAnswers(url: string): Promise<void> {
  let status: number;
  try {
    const response = await fetch(`${url}/v1/system`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    status = response.status;
    await response.body?.cancel();
  } catch (error) {
    const reason = networkReason(error);
    if (['ECONNREFUSED', 'ENOTFOUND', 'EADDRNOTAVAIL', 'EHOSTUNREACH', 'ENETUNREACH'].includes(reason)) return;
    throw new CommandFailure(`could not tell whether a daemon runs at ${url} (${reason}); stop it, or set PROVISIOND_URL to where it would listen`);
  }
  throw new CommandFailure(`a daemon answers at ${url} (HTTP ${status}): stop it before restoring (PROVISIOND_URL says where to look)`);
}

function refuseIfInUse(path: string): 'released' | 'unreadable' | 'absent' {
  if (!existsSync(path)) return 'absent';
  const state = releaseForReplacement(path);
  if (state === 'in-use') throw new CommandFailure(`${path} is open in another process (a daemon, a reconcile, a backup?): stop it before restoring`);
  return state;
}

function problems(check: DatabaseFileCheck): string[] {
  const found: string[] = [];
  if (check.integrity.join() !== 'ok') found.push(`integrity check: ${check.integrity.slice(0, 3).join('; ')}`);
  if (check.version === 0) found.push('no provisiond schema (schema_migrations is missing or empty)');
  if (check.version > LATEST_SCHEMA_VERSION) found.push(`schema version ${check.version} is newer than this provisiond supports (${LATEST_SCHEMA_VERSION})`);
  if (check.missingTables.length > 0) found.push(`tables missing for schema version ${check.version}: ${check.missingTables.join(', ')}`);
  return found;
}

/** The backup's bytes beside the database, created with mode 0600 and on disk before the swap. */
async function stage(source: string, staged: string): Promise<void> {
  await pipeline(createReadStream(source), createWriteStream(staged, { flags: 'wx', mode: 0o600 }));
  chmodSync(staged, 0o600);
  const fd = openSync(staged, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const stamp = (): string => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

export async function restore(file: string, yes: boolean, context: CliContext): Promise<number> {
  const source = resolve(file);
  const database = resolve(databasePath(context.env));
  const say = (text: string): boolean => context.stdout.write(`${text}\n`);
  if (source === database) throw new UsageError('the backup to restore is the database itself');
  if (!existsSync(source)) throw new CommandFailure(`no backup at ${source}`);
  // A -wal beside it means a live database's file, whose last commits are not in the file alone.
  if (existsSync(`${source}-wal`)) throw new CommandFailure(`${source} has a -wal file beside it: it is a live database, not a backup; make one with \`provisiond backup\``);
  if (!yes && context.stdin.isTTY !== true) throw new UsageError('refusing to restore without --yes: stdin is not a terminal, so nobody can confirm');

  await refuseIfDaemonAnswers(daemonUrl(context.env));
  refuseIfInUse(database);
  mkdirSync(dirname(database), { recursive: true });
  const staged = `${database}.restoring-${process.pid}`;
  rmSync(staged, { force: true });
  try {
    await stage(source, staged);
    const check = checkDatabaseFile(staged, source);
    const found = problems(check);
    if (found.length > 0) throw new CommandFailure(`${source} is not a provisiond database this version can use: ${found.join('; ')}`);
    say(`${source}: integrity ok, schema version ${check.version}, ${check.services ?? 0} services`);
    if (!yes && !(await askToConfirm(`Replace ${database} with it? Type "restore" to go on: `, 'restore', context))) {
      context.stderr.write('not restored\n');
      return EXIT.failure;
    }

    const current = refuseIfInUse(database);
    // Stale companions would be read as part of the restored file: they go with the old one,
    // even when the database itself is gone.
    const present = [database, ...COMPANIONS.map((suffix) => `${database}${suffix}`)].filter((path) => existsSync(path));
    if (present.length === 0) say(`no database was at ${database}: nothing to keep`);
    else {
      const kept = `${database}.before-restore-${stamp()}`;
      for (const path of present) renameSync(path, `${kept}${path.slice(database.length)}`);
      const note = { released: '', unreadable: ' (SQLite could not read it)', absent: ' (only its stale companion files were there)' }[current];
      say(`kept the current database as ${basename(kept)}${note}`);
    }
    renameSync(staged, database);
    say(`restored ${database} (mode 0600)${check.version < LATEST_SCHEMA_VERSION ? `; the daemon migrates it from schema version ${check.version} to ${LATEST_SCHEMA_VERSION} when it starts` : ''}`);
    return EXIT.ok;
  } finally {
    for (const leftover of [staged, ...COMPANIONS.map((suffix) => `${staged}${suffix}`)]) rmSync(leftover, { force: true });
  }
}
