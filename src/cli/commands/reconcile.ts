/** `reconcile`: the database compared with what the infrastructure holds. */
import type { Command } from 'commander';
import type { Act } from '../context.js';

export function registerReconcileCommand(program: Command, act: Act): void {
  program
    .command('reconcile')
    .summary('compare the database with the infrastructure (--fix repairs)')
    .description('compare the database with what the systems hold (containers, DNS records, proxy hosts, certificates, zones) and print the findings')
    .usage('[--fix] [--json]')
    .option('--fix', 'also repair what is safe to repair (README: Reconciler)')
    .option('--json', 'print the report as JSON on stdout (logs go to stderr)')
    .addHelpText(
      'after',
      `
Reads the daemon's configuration (environment, PROVISIOND_CONFIG) and PROVISIOND_DB. It needs
real infrastructure or a standalone sandbox (PROVISIOND_SANDBOX): an in-process sandbox lives
inside its daemon. Exit status: 0 nothing stands, 1 findings remain or a system could not be
read, 2 usage or configuration error.`,
    )
    .action(
      act(async (command, context) => {
        const { reconcile } = await import('../reconcile.js');
        return reconcile(command.opts(), context);
      }),
    );
}
