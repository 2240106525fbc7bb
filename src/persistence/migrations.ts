/**
 * The schema, as numbered migrations applied in order at open. A migration is never edited
 * once released: a change to the schema is a new entry at the end of the list.
 */
import { AppError } from '../errors.js';
import type { Db } from './database.js';
import { INITIAL_SCHEMA } from './initial.migration.js';
import { FOREIGN_VMIDS_SCHEMA } from './foreign-vmids.migration.js';
import { SERVICE_LOG_SCHEMA } from './service-log.migration.js';
import { RESTING_SCHEMA } from './resting.migration.js';
import { SLIM_CREATE_SCHEMA } from './slim-create.migration.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', sql: INITIAL_SCHEMA },
  { version: 2, name: 'per-service log', sql: SERVICE_LOG_SCHEMA },
  { version: 3, name: 'foreign VMIDs', sql: FOREIGN_VMIDS_SCHEMA },
  { version: 4, name: 'services at rest', sql: RESTING_SCHEMA },
  { version: 5, name: 'fewer pages per create', sql: SLIM_CREATE_SCHEMA },
];

const LATEST = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Bring the database up to the latest version and return the versions applied now.
 * IMMEDIATE, so two processes opening the same new file do not both apply a migration.
 */
export function migrate(db: Db): number[] {
  return db
    .transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT`);
      const current = db.prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() ?? 0;
      if (current > LATEST) {
        // An older provisiond would misread a newer schema: refuse rather than corrupt it.
        throw new AppError(
          'CONFIG_INVALID',
          `database schema version ${current} is newer than this provisiond supports (${LATEST}); run a newer provisiond`,
          { details: { databaseVersion: current, supportedVersion: LATEST } },
        );
      }
      const record = db.prepare<[number, string, number]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      const pending = MIGRATIONS.filter((migration) => migration.version > current);
      for (const migration of pending) {
        db.exec(migration.sql);
        record.run(migration.version, migration.name, Date.now());
      }
      return pending.map((migration) => migration.version);
    })
    .immediate();
}
