/**
 * The operator's command line: `provisiond reconcile [--fix] [--json]`.
 *
 * It reads the daemon's own configuration (environment and PROVISIOND_CONFIG, src/config.ts)
 * and database, compares them with what the systems hold and prints the findings (text, or
 * JSON on stdout with --json; logs go to stderr). Exit status: 0 nothing stands (nothing found,
 * or everything found was fixed), 1 findings remain or a system could not be read, 2 usage or
 * configuration error.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from './config.js';
import { isAppError } from './errors.js';
import type { InfrastructureSettings } from './infrastructure.js';

const USAGE = 'usage: provisiond reconcile [--fix] [--json]';

class UsageError extends Error {}

function parseCommand(argv: readonly string[]): { fix: boolean; json: boolean } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: { fix: { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  if (command !== 'reconcile') throw new UsageError(command === undefined ? 'no command given' : `unknown command "${command}"`);
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  return { fix: parsed.values.fix === true, json: parsed.values.json === true };
}

const NO_TARGET =
  'nothing to reconcile against: no infrastructure is configured and PROVISIOND_SANDBOX is unset. A daemon without either runs an in-process sandbox that lives and dies with it; reconcile a standalone sandbox (npm run sandbox, PROVISIOND_SANDBOX=<connection file>) or real infrastructure';

/** The systems the daemon drives: real infrastructure, or a standalone sandbox. */
async function target(config: Config, sandboxFile: string): Promise<{ settings: InfrastructureSettings; baseDomain: string }> {
  if (config.infrastructure !== undefined) {
    const { settingsFromConfig } = await import('./infrastructure.js');
    return { settings: settingsFromConfig(config.infrastructure), baseDomain: config.baseDomain };
  }
  const [{ settingsFromSandbox }, { readSandboxConnection }] = await Promise.all([import('./infrastructure.js'), import('./sandbox-connection.js')]);
  const connection = readSandboxConnection(sandboxFile);
  return { settings: settingsFromSandbox(connection), baseDomain: connection.baseDomain };
}

// Modules are loaded only once the command line is understood: a usage error answers at once.
async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let command: { fix: boolean; json: boolean };
  let config: Config;
  let chosen: { settings: InfrastructureSettings; baseDomain: string };
  try {
    command = parseCommand(argv);
    config = (await import('./config.js')).loadConfig(env);
    // An in-process sandbox exists only inside its daemon: there is nothing to look at from here.
    if (config.infrastructure === undefined && config.sandboxFile === undefined) throw new UsageError(NO_TARGET);
    // Never create an empty database: that would find every marked resource an orphan.
    if (!existsSync(config.dbPath)) throw new UsageError(`no database at ${config.dbPath}: point PROVISIOND_DB at the daemon's database`);
    chosen = await target(config, config.sandboxFile ?? '');
  } catch (error) {
    if (error instanceof UsageError) console.error(`provisiond: ${error.message}\n${USAGE}`);
    else if (isAppError(error)) console.error(`provisiond: ${error.message}`);
    else throw error;
    return 2;
  }
  const [{ pino }, { createLogger }, { openStore }, { reconcileOnce }, { exitCodeOf, reportJson, reportText }] = await Promise.all([
    import('pino'), import('./log.js'), import('./persistence/store.js'), import('./reconcile-composition.js'), import('./reconcile/report.js'),
  ]);
  // Repairs are logged as they happen; stdout carries only the report.
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'warn', destination: pino.destination({ fd: 2, sync: true }) });
  const store = openStore(config.dbPath);
  try {
    const report = await reconcileOnce({ ...chosen, store, logger, fix: command.fix });
    process.stdout.write(command.json ? `${JSON.stringify(reportJson(report), null, 2)}\n` : reportText(report));
    return exitCodeOf(report);
  } finally {
    store.close();
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(isAppError(error) ? `provisiond: ${error.message}` : error);
    process.exit(1);
  },
);
