/** The database at PROVISIOND_DB: `migrate`, `backup`, `restore`. */
import type { Command } from 'commander';
import type { Act } from '../context.js';

const DB_HELP = '\nThe database is PROVISIOND_DB (default data/provisiond.db).';

export function registerDatabaseCommands(program: Command, act: Act): void {
  program
    .command('migrate')
    .summary('apply pending schema migrations (--check: only tell)')
    .description('bring the database\'s schema up to this version of provisiond (the daemon also does this at start), printing the version before and after')
    .option('--check', 'change nothing: exit 1 if migrations are pending (or the file is missing), 0 if it is up to date')
    .addHelpText('after', `${DB_HELP}\nA missing file is created (mode 0600), except with --check. Safe while the daemon runs.`)
    .action(
      act(async (command, context) => {
        const { migrateDatabase } = await import('../database.js');
        return migrateDatabase(command.opts<{ check?: boolean }>().check === true, context);
      }),
    );

  program
    .command('backup')
    .summary('online backup of the database')
    .description('write a consistent copy of the database to <file> (SQLite online backup: the daemon may keep running), check it and print its size and service count')
    .argument('<file>', 'where to write the backup (mode 0600); an existing file is replaced only once the new backup is complete and checked')
    .addHelpText('after', `${DB_HELP}\nThe backup is one self-contained file; copy it off the machine, it holds customers' data.`)
    .action(
      act(async (command, context) => {
        const { backup } = await import('../database.js');
        return backup(command.args[0] ?? '', context);
      }),
    );

  program
    .command('restore')
    .summary('restore the database from a backup')
    .description('replace the database with a backup: refused while a daemon (or any process) uses it; the current database is kept beside it')
    .argument('<file>', 'a backup written by `provisiond backup`')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .addHelpText(
      'after',
      `${DB_HELP}
Refused while the daemon at PROVISIOND_URL (default http://127.0.0.1:$PORT) answers, or while
any process has the database open. The backup must pass SQLite's integrity check, hold the
tables of its schema version, and not be newer than this provisiond. The current database
is kept as <db>.before-restore-<time>; stale -wal and -shm files move with it.`,
    )
    .action(
      act(async (command, context) => {
        const { restore } = await import('../restore.js');
        return restore(command.args[0] ?? '', command.opts<{ yes?: boolean }>().yes === true, context);
      }),
    );
}
