/**
 * Services through a running daemon's HTTP API: `services ls|show|events`, and the lifecycle
 * commands `retry`, `suspend`, `unsuspend`, `delete`.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Act } from '../context.js';

const DAEMON_HELP = `
Talks to a running daemon: PROVISIOND_URL (default http://127.0.0.1:$PORT), with the token
from PROVISIOND_API_TOKEN or the api-token file beside PROVISIOND_DB.`;

function nonNegativeInteger(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new InvalidArgumentError('it must be a transition seq, a whole number ≥ 0.');
  return Number(text);
}

export function registerServiceCommands(program: Command, act: Act): void {
  const services = program
    .command('services')
    .summary('list, show and follow services (ls, show, events)')
    .description('list and show services, and follow their transitions live')
    .addHelpText('after', DAEMON_HELP);

  services
    .command('ls')
    .summary('list services')
    .description('list services, oldest id first (every page)')
    .option('--state <state>', 'only services in this state (pending, allocating, provisioning, active, suspended, failed, deleting, deleted, ...)')
    .option('--json', 'print the API\'s JSON ({"services": [...]}) instead of a table')
    .addHelpText('after', DAEMON_HELP)
    .action(
      act(async (command, context) => {
        const { listServices } = await import('../services.js');
        return listServices(command.opts(), context);
      }),
    );

  services
    .command('show')
    .summary('show one service')
    .description('one service: its record, live container reading, custom domains and last transitions')
    .argument('<id>', 'the service id')
    .option('--json', 'print the API\'s JSON instead of text')
    .addHelpText('after', DAEMON_HELP)
    .action(
      act(async (command, context) => {
        const { showService } = await import('../services.js');
        return showService(command.args[0] ?? '', command.opts(), context);
      }),
    );

  services
    .command('events')
    .summary('follow the transition feed')
    .description('follow the transition feed (WebSocket) as lines, until Ctrl-C')
    .addOption(new Option('--since <seq>', 'first replay every transition after this seq (0: the whole history); default: live only').argParser(nonNegativeInteger))
    .option('--service <id>', 'only this service\'s transitions')
    .option('--logs', 'also the services\' log lines (the installer\'s output) as they are written')
    .option('--json', 'print each feed message as one JSON line')
    .addHelpText('after', `${DAEMON_HELP}\nA slow reader is disconnected by the daemon (1013); it reconnects from the last seq seen.`)
    .action(
      act(async (command, context) => {
        const { followEvents } = await import('../events.js');
        return followEvents(command.opts(), context);
      }),
    );

  const lifecycle = [
    ['retry', 'retry a failed service', 'retry a failed service from the step that failed'],
    ['suspend', 'suspend a service', 'suspend a service: its container is stopped and its site answers no more'],
    ['unsuspend', 'unsuspend a service', 'bring a suspended service back'],
    ['delete', 'delete a service (asks first)', 'delete a service and everything it holds: container, snapshots, DNS record, proxy hosts, certificates'],
  ] as const;
  for (const [action, summary, description] of lifecycle) {
    const command = program
      .command(action)
      .summary(summary)
      .description(description)
      .argument('<id>', 'the service id')
      .option('--json', 'print the API\'s JSON reply');
    if (action === 'delete') {
      command
        .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
        .addHelpText('after', `\nOn a terminal it shows the service and asks you to type its id.${DAEMON_HELP}`);
    } else {
      command.addHelpText('after', `\nThe daemon answers once the command is accepted; follow it with \`provisiond services events --service <id>\`.${DAEMON_HELP}`);
    }
    command.action(
      act(async (parsed, context) => {
        const { runLifecycle } = await import('../services.js');
        return runLifecycle(action, parsed.args[0] ?? '', parsed.opts(), context);
      }),
    );
  }
}
