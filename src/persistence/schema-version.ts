/**
 * What a database file's schema is, read without changing it: its version, the migrations this
 * build would still apply, and the tables a given version must hold. `migrate --check` and
 * `restore` ask these before anything is written.
 */
import type { Db } from './database.js';
import { MIGRATIONS, type Migration } from './migrations.js';

/** The newest schema this build knows. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** The version recorded in the file: 0 for an empty file (no schema_migrations table yet). */
export function schemaVersion(db: Db): number {
  const table = db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").pluck().get();
  if (table === undefined) return 0;
  return db.prepare<[], number>('SELECT coalesce(max(version), 0) FROM schema_migrations').pluck().get() ?? 0;
}

/** Migrations newer than the file's version, in the order they would run. */
export function pendingMigrations(db: Db): readonly Migration[] {
  const current = schemaVersion(db);
  return MIGRATIONS.filter((migration) => migration.version > current);
}

/**
 * The tables a database at `version` holds, read from the migrations' own SQL so that this
 * list can never fall behind the schema (schema_migrations itself is created by migrate()).
 */
export function tablesOfVersion(version: number): readonly string[] {
  if (version <= 0) return [];
  const tables = new Set(['schema_migrations']);
  for (const migration of MIGRATIONS.filter((entry) => entry.version <= version)) {
    // In the order they appear: a table rebuilt under a new name is created, then renamed.
    const statements = /\b(CREATE|DROP)\s+TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?(\w+)|\bALTER\s+TABLE\s+(\w+)\s+RENAME\s+TO\s+(\w+)/gi;
    for (const [, verb, name, renamedFrom, renamedTo] of migration.sql.matchAll(statements)) {
      if (renamedFrom !== undefined && renamedTo !== undefined) {
        tables.delete(renamedFrom);
        tables.add(renamedTo);
      } else if (name !== undefined) {
        if (verb?.toUpperCase() === 'CREATE') tables.add(name);
        else tables.delete(name);
      }
    }
  }
  return [...tables];
}

/** The tables present in the file. */
export function tablesOf(db: Db): ReadonlySet<string> {
  return new Set(db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all());
}
