/**
 * A database file's schema, for `provisiond migrate`: read what version it is at and what
 * would be applied without changing it, or apply it the way the daemon does at start.
 */
import Database from 'better-sqlite3';
import { AppError } from '../errors.js';
import { openDatabase } from './database.js';
import { migrate, MIGRATIONS, type Migration } from './migrations.js';
import { pendingMigrations, schemaVersion } from './schema-version.js';

export interface SchemaState {
  readonly version: number;
  readonly pending: readonly Migration[];
}

export function isSqliteError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

/** SQLite's "file is not a database" (NOTADB) or damage (CORRUPT) as a message naming the file. */
export function unreadable(path: string, error: unknown): unknown {
  return isSqliteError(error) ? new AppError('VALIDATION_FAILED', `${path} is not a readable SQLite database (${error.code}: ${error.message})`, { cause: error }) : error;
}

/** The version of the existing file at `path` and the migrations this build would apply; nothing is written. */
export function readSchemaState(path: string): SchemaState {
  const db = new Database(path, { fileMustExist: true });
  try {
    return { version: schemaVersion(db), pending: pendingMigrations(db) };
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    db.close();
  }
}

/** Open (creating it, mode 0600) and migrate, as the daemon does at start. */
export function migrateFile(path: string): { readonly before: number; readonly applied: readonly Migration[]; readonly after: number } {
  let db: Database.Database | undefined;
  try {
    db = openDatabase(path);
    const before = schemaVersion(db);
    const applied = migrate(db);
    return { before, applied: MIGRATIONS.filter((m) => applied.includes(m.version)), after: schemaVersion(db) };
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    db?.close();
  }
}
