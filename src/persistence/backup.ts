/**
 * Backups of the database and the checks a restore needs. A backup is SQLite's online backup,
 * taken while the daemon may be writing (WAL): a consistent copy of one moment, never a file
 * copy that could catch a page half-written or miss what still sits in the -wal file.
 */
import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import { isSqliteError, unreadable } from './schema-file.js';
import { schemaVersion, tablesOf, tablesOfVersion } from './schema-version.js';

/** What a database file holds, read without changing its content. */
export interface DatabaseFileCheck {
  /** `PRAGMA integrity_check`'s lines: exactly ['ok'] when the file is sound. */
  readonly integrity: readonly string[];
  readonly version: number;
  /** Tables its schema version must have and it lacks. */
  readonly missingTables: readonly string[];
  /** Rows in `services`; undefined when there is no such table. */
  readonly services: number | undefined;
  readonly bytes: number;
}

/**
 * Integrity, schema version, tables and services of the file at `path` (which must exist).
 * `name` is how errors call it (a copy being checked is named after its original).
 */
export function checkDatabaseFile(path: string, name = path): DatabaseFileCheck {
  const db = new Database(path, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    const version = schemaVersion(db);
    const present = tablesOf(db);
    const services = present.has('services') ? (db.prepare<[], number>('SELECT count(*) FROM services').pluck().get() ?? 0) : undefined;
    return {
      integrity: integrity.map((row) => row.integrity_check),
      version,
      missingTables: tablesOfVersion(version).filter((table) => !present.has(table)),
      services,
      bytes: statSync(path).size,
    };
  } catch (error) {
    throw unreadable(name, error);
  } finally {
    db.close();
  }
}

/**
 * An online backup of `source` into `destination`, readable by its owner only. It is written
 * beside the destination and renamed into place once checked, so `destination` is either the
 * old file or a complete, verified backup. The copy is turned into a single file (rollback
 * journal instead of WAL); the daemon switches it back to WAL when it opens it after a restore.
 */
export async function backupDatabase(source: string, destination: string): Promise<DatabaseFileCheck> {
  if (!existsSync(source)) throw new AppError('NOT_FOUND', `no database at ${source}`);
  const partial = `${destination}.partial-${process.pid}`;
  rmSync(partial, { force: true });
  // SQLite writes into the file it finds, so creating it first fixes the mode at 0600.
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    const db = new Database(source, { fileMustExist: true, timeout: 5000 });
    try {
      await db.backup(partial);
    } finally {
      db.close();
    }
    const copy = new Database(partial, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    chmodSync(partial, 0o600);
    const check = checkDatabaseFile(partial);
    if (check.integrity.join() !== 'ok') throw new AppError('INTERNAL', `the backup failed its integrity check: ${check.integrity.slice(0, 5).join('; ')}`);
    renameSync(partial, destination);
    return check;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

/**
 * Whether any other connection has the file open, asked by taking SQLite's exclusive lock: in
 * WAL mode every open connection holds a shared lock on the WAL index for as long as it is
 * open, even idle, so the daemon is seen whether or not it is writing at this moment.
 * On success the WAL is checkpointed into the main file and this connection closes cleanly,
 * so the file on its own is the whole database. A file SQLite cannot read is 'unreadable'.
 */
export function releaseForReplacement(path: string): 'released' | 'in-use' | 'unreadable' {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    db.pragma('wal_checkpoint(TRUNCATE)');
    return 'released';
  } catch (error) {
    if (!isSqliteError(error)) throw error;
    return error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED' ? 'in-use' : 'unreadable';
  } finally {
    db?.close();
  }
}
