/**
 * `provisiond reconcile [--fix] [--json]`: reads the daemon's own configuration (environment
 * and PROVISIOND_CONFIG, src/config.ts) and database, compares them with what the systems hold
 * and prints the findings (text, or JSON on stdout with --json; logs go to stderr).
 */
import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { isAppError } from '../errors.js';
import type { InfrastructureSettings } from '../infrastructure.js';
import { UsageError, type CliContext } from './context.js';

const NO_TARGET =
  'nothing to reconcile against: no infrastructure is configured and PROVISIOND_SANDBOX is unset. A daemon without either runs an in-process sandbox that lives and dies with it; reconcile a standalone sandbox (npm run sandbox, PROVISIOND_SANDBOX=<connection file>) or real infrastructure';

interface Target {
  readonly settings: InfrastructureSettings;
  readonly baseDomain: string;
}

/** The systems the daemon drives: real infrastructure, or a standalone sandbox. */
async function target(config: Config, sandboxFile: string): Promise<Target> {
  if (config.infrastructure !== undefined) {
    const { settingsFromConfig } = await import('../infrastructure.js');
    return { settings: settingsFromConfig(config.infrastructure), baseDomain: config.baseDomain };
  }
  const [{ settingsFromSandbox }, { readSandboxConnection }] = await Promise.all([import('../infrastructure.js'), import('../sandbox-connection.js')]);
  const connection = readSandboxConnection(sandboxFile);
  return { settings: settingsFromSandbox(connection), baseDomain: connection.baseDomain };
}

/** Configuration errors are the operator's to fix before anything is read: usage errors (exit 2). */
async function prepare(env: NodeJS.ProcessEnv): Promise<{ config: Config; chosen: Target }> {
  try {
    const config = (await import('../config.js')).loadConfig(env);
    // An in-process sandbox exists only inside its daemon: there is nothing to look at from here.
    if (config.infrastructure === undefined && config.sandboxFile === undefined) throw new UsageError(NO_TARGET);
    // Never create an empty database: that would find every marked resource an orphan.
    if (!existsSync(config.dbPath)) throw new UsageError(`no database at ${config.dbPath}: point PROVISIOND_DB at the daemon's database`);
    return { config, chosen: await target(config, config.sandboxFile ?? '') };
  } catch (error) {
    if (isAppError(error)) throw new UsageError(error.message);
    throw error;
  }
}

export async function reconcile(options: { fix?: boolean; json?: boolean }, context: CliContext): Promise<number> {
  const { config, chosen } = await prepare(context.env);
  const [{ pino }, { createLogger }, { openStore }, { reconcileOnce }, { exitCodeOf, reportJson, reportText }] = await Promise.all([
    import('pino'), import('../log.js'), import('../persistence/store.js'), import('../reconcile-composition.js'), import('../reconcile/report.js'),
  ]);
  // Repairs are logged as they happen; stdout carries only the report.
  const logger = createLogger({ level: context.env.LOG_LEVEL ?? 'warn', destination: pino.destination({ fd: 2, sync: true }) });
  const store = openStore(config.dbPath);
  try {
    const report = await reconcileOnce({ ...chosen, store, logger, fix: options.fix === true });
    context.stdout.write(options.json === true ? `${JSON.stringify(reportJson(report), null, 2)}\n` : reportText(report));
    return exitCodeOf(report);
  } finally {
    store.close();
  }
}
