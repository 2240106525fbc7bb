/** `migrate` and `backup`: the database at PROVISIOND_DB, with or without a daemon running. */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { backupDatabase } from '../persistence/backup.js';
import { migrateFile, readSchemaState } from '../persistence/schema-file.js';
import { LATEST_SCHEMA_VERSION } from '../persistence/schema-version.js';
import { EXIT, UsageError, type CliContext } from './context.js';
import { databasePath } from './daemon-client.js';
import { formatBytes } from './table.js';

const names = (migrations: readonly { version: number; name: string }[]): string => migrations.map((m) => `${m.version} ${m.name}`).join(', ');

export async function migrateDatabase(check: boolean, context: CliContext): Promise<number> {
  const path = databasePath(context.env);
  const write = (text: string): boolean => context.stdout.write(`${text}\n`);
  if (check) {
    if (!existsSync(path)) {
      write(`${path}: no database; ${LATEST_SCHEMA_VERSION} migrations pending (schema version 0 → ${LATEST_SCHEMA_VERSION})`);
      return EXIT.failure;
    }
    const { version, pending } = readSchemaState(path);
    if (version > LATEST_SCHEMA_VERSION) {
      write(`${path}: schema version ${version} is newer than this provisiond supports (${LATEST_SCHEMA_VERSION}); run a newer provisiond`);
      return EXIT.failure;
    }
    if (pending.length === 0) {
      write(`${path}: schema version ${version}, up to date`);
      return EXIT.ok;
    }
    write(`${path}: schema version ${version}; ${pending.length} migration${pending.length === 1 ? '' : 's'} pending: ${names(pending)}`);
    return EXIT.failure;
  }
  mkdirSync(dirname(path), { recursive: true });
  const { before, applied, after } = migrateFile(path);
  write(applied.length === 0 ? `${path}: schema version ${after}, up to date` : `${path}: schema version ${before} → ${after} (applied ${names(applied)})`);
  return EXIT.ok;
}

export async function backup(file: string, context: CliContext): Promise<number> {
  const source = resolve(databasePath(context.env));
  const destination = resolve(file);
  if (destination === source) throw new UsageError('the backup must not be the database itself');
  if (!existsSync(dirname(destination))) throw new UsageError(`${dirname(destination)} does not exist`);
  const check = await backupDatabase(source, destination);
  const services = check.services === undefined ? 'no services table' : `${check.services} service${check.services === 1 ? '' : 's'}`;
  context.stdout.write(
    `backup of ${source} written to ${destination} (mode 0600)\n` +
      `  ${formatBytes(check.bytes)} (${check.bytes} bytes), integrity ok, schema version ${check.version}, ${services}\n`,
  );
  return EXIT.ok;
}
