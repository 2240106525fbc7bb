/**
 * Opening the SQLite file. The database holds customers' e-mail addresses and the whole
 * lifecycle history, so a new file is readable by its owner only.
 */
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/** How long a connection waits for another one's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

export function openDatabase(path: string): Db {
  // Create the file ourselves so SQLite finds it with mode 0600; its -wal and -shm files
  // inherit that mode. An existing file keeps whatever mode the operator gave it.
  if (path !== ':memory:') closeSync(openSync(path, 'a', 0o600));
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
