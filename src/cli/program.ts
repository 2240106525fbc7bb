/**
 * The `provisiond` command line: one program, a file per command group under ./commands.
 * Command modules declare arguments, options and help only; each action imports its work
 * when it runs, so `--help` and usage errors answer at once, before the daemon's modules load.
 * Every usage error ends with status 2 and the command's usage line, on stderr.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isAppError } from '../errors.js';
import { registerDaemonCommands } from './commands/daemon.js';
import { registerDatabaseCommands } from './commands/database.js';
import { registerReconcileCommand } from './commands/reconcile.js';
import { registerServiceCommands } from './commands/services.js';
import { CommandFailure, EXIT, UsageError, type Act, type CliContext, type Outcome } from './context.js';

const ENVIRONMENT_HELP = `
Environment (secrets are read from the environment or files, never from flags):
  PROVISIOND_DB          the daemon's SQLite file (default data/provisiond.db)
  PROVISIOND_URL         a running daemon's base URL (default http://127.0.0.1:$PORT, PORT default 8080)
  PROVISIOND_API_TOKEN   its bearer token; unset: the api-token file beside PROVISIOND_DB
  PROVISIOND_CONFIG, PROVISIOND_SANDBOX, ...  as for the daemon (README: Configuration)

Exit status: 0 done, 1 failed (or findings remain), 2 usage or configuration error.`;

function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** "provisiond services ls" */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

function every(command: Command): Command[] {
  return [command, ...command.commands.flatMap((sub) => every(sub))];
}

/** Commander's own messages ("error: unknown option '--fx'") in the style of ours. */
function styleError(text: string): string {
  if (!text.startsWith('error: ')) return text;
  const message = text.slice('error: '.length);
  return `provisiond: ${message.charAt(0).toUpperCase()}${message.slice(1)}`;
}

export function buildProgram(context: CliContext, act: Act): Command {
  const program = new Command('provisiond');
  // Set before any subcommand is added: commander copies these settings into each of them.
  program
    .description('Operate provisiond: run the daemon or the sandbox, inspect and command services through a running daemon, migrate, back up and restore its database, reconcile it with the infrastructure.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      outputError: (text, write) => write(styleError(text)),
    })
    .showHelpAfterError()
    .addHelpText('after', ENVIRONMENT_HELP);
  registerDaemonCommands(program, act);
  registerServiceCommands(program, act);
  registerDatabaseCommands(program, act);
  registerReconcileCommand(program, act);
  // A usage error shows the usage line of the command at fault, not its whole help.
  for (const command of every(program)) {
    const path = commandPath(command);
    command.showHelpAfterError(`usage: ${path} ${command.usage()}\n(${path} --help for more)`);
  }
  return program;
}

/** Runs the command line; resolves with the exit status, or 'running' for serve and sandbox. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<Outcome> {
  let outcome: Outcome = EXIT.ok;
  const act: Act = (handler) => async (...args) => {
    const command = args.at(-1) as Command;
    try {
      outcome = await handler(command, context);
    } catch (error) {
      // Prints the message and the usage line, then throws a CommanderError (exitOverride).
      if (error instanceof UsageError) command.error(`provisiond: ${error.message}`, { exitCode: EXIT.usage, code: 'provisiond.usage' });
      throw error;
    }
  };
  const program = buildProgram(context, act);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return outcome;
  } catch (error) {
    // Help and --version exit 0; every other commander exit is a usage error.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof CommandFailure || isAppError(error)) {
      context.stderr.write(`provisiond: ${error.message}\n`);
      return EXIT.failure;
    }
    throw error;
  }
}
