/** `serve` and `sandbox`: the long-running processes, started in the foreground. */
import type { Command } from 'commander';
import type { Act } from '../context.js';

export function registerDaemonCommands(program: Command, act: Act): void {
  program
    .command('serve')
    .summary('run the daemon in the foreground')
    .description('run the daemon in the foreground: the HTTP API, the WebSocket feed and one actor per service (what `npm start` runs)')
    .option('--inspect', 'DEVELOPMENT ONLY: stream every actor to the Stately inspector through a relay on 127.0.0.1 (PROVISIOND_INSPECT_PORT, default 8081); same as PROVISIOND_INSPECT=1')
    .addHelpText(
      'after',
      `
Configured by the environment and PROVISIOND_CONFIG (README: Configuration): PORT, HOST,
PROVISIOND_DB, PROVISIOND_API_TOKEN, PROVISIOND_SANDBOX, LOG_LEVEL, ... With no infrastructure
configured and no PROVISIOND_SANDBOX, it runs against an in-process sandbox and says so.
SIGINT or SIGTERM stop it; actors stop at their last commit.`,
    )
    .action(
      act(async (command) => {
        const { serve } = await import('../daemon.js');
        return serve(command.opts<{ inspect?: boolean }>().inspect === true);
      }),
    );

  // The sandbox's own command line (src/sandbox/cli.ts) reads its options and prints its help:
  // they are handed over untouched rather than declared twice.
  program
    .command('sandbox')
    .summary('run the standalone sandbox (simulated infrastructure)')
    .description('run the standalone sandbox: loopback simulators of Proxmox, Cloudflare, Nginx Proxy Manager, ISPConfig, SSH and DNS, writing the connection file a daemon uses with PROVISIOND_SANDBOX (what `npm run sandbox` runs)')
    .usage('[--time-scale N] [--seed N] [--site-port N] [--out FILE]')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', '\n`provisiond sandbox --help` lists the options.')
    .action(
      act(async (command) => {
        const { sandbox } = await import('../daemon.js');
        return sandbox(command.args);
      }),
    );
}
