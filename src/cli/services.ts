/** `services ls`, `services show` and the lifecycle commands, over the daemon's HTTP API. */
import { askToConfirm } from './confirm.js';
import { EXIT, UsageError, type CliContext } from './context.js';
import { DaemonClient } from './daemon-client.js';
import { describeService, type ShowReply, type WireService } from './service-view.js';
import { cell, formatTable, formatTime } from './table.js';

/** The largest page the API hands out (LIST_LIMIT_RANGE): fewest round trips. */
const PAGE = 500;

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

export async function listServices(options: { state?: string; json?: boolean }, context: CliContext): Promise<number> {
  const client = DaemonClient.fromEnvironment(context.env);
  const services: WireService[] = [];
  let after: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(PAGE) });
    if (options.state !== undefined) query.set('state', options.state);
    if (after !== null) query.set('after', after);
    const page: { services: WireService[]; next: string | null } = await client.request('GET', `/v1/services?${query}`);
    services.push(...page.services);
    after = page.next;
  } while (after !== null);

  if (options.json === true) {
    context.stdout.write(json({ services }));
    return EXIT.ok;
  }
  if (services.length === 0) {
    context.stdout.write(options.state === undefined ? 'no services\n' : `no services in state ${options.state}\n`);
    return EXIT.ok;
  }
  const rows = services.map((s) => [s.service_id, s.busy ? `${s.state}*` : s.state, cell(s.step), s.plan, String(s.vmid), s.private_ip, s.fqdn, formatTime(s.updated_at)]);
  context.stdout.write(formatTable(['SERVICE', 'STATE', 'STEP', 'PLAN', 'VMID', 'PRIVATE IP', 'FQDN', 'UPDATED (UTC)'], rows));
  const busy = services.some((s) => s.busy) ? ' (* busy: a step is running)' : '';
  context.stdout.write(`${services.length} service${services.length === 1 ? '' : 's'}${busy}\n`);
  return EXIT.ok;
}


const servicePath = (id: string): string => `/v1/services/${encodeURIComponent(id)}`;

export async function showService(id: string, options: { json?: boolean }, context: CliContext): Promise<number> {
  const reply = await DaemonClient.fromEnvironment(context.env).request<ShowReply>('GET', servicePath(id));
  context.stdout.write(options.json === true ? json(reply) : describeService(reply));
  return EXIT.ok;
}

export type LifecycleAction = 'retry' | 'suspend' | 'unsuspend' | 'delete';

/** Deleting cannot be undone: a person at a terminal confirms by typing the id; a script says --yes. */
async function confirmDelete(client: DaemonClient, id: string, context: CliContext): Promise<boolean> {
  if (context.stdin.isTTY !== true) throw new UsageError(`refusing to delete service ${id} without --yes: stdin is not a terminal, so nobody can confirm`);
  const { service } = await client.request<ShowReply>('GET', servicePath(id));
  context.stderr.write(`service ${service.service_id}: ${service.fqdn}, ${service.state}, VMID ${service.vmid}, ${service.domains.length} custom domain(s)\n`);
  context.stderr.write('Deleting destroys its container, snapshots, DNS record, proxy hosts and certificates.\n');
  return askToConfirm(`Type the service id (${service.service_id}) to delete it: `, service.service_id, context);
}

export async function runLifecycle(action: LifecycleAction, id: string, options: { json?: boolean; yes?: boolean }, context: CliContext): Promise<number> {
  const client = DaemonClient.fromEnvironment(context.env);
  if (action === 'delete' && options.yes !== true && !(await confirmDelete(client, id, context))) {
    context.stderr.write('not deleted\n');
    return EXIT.failure;
  }
  const reply = await client.request<{ service_id: string; state: string }>('POST', `${servicePath(id)}/${action}`);
  if (options.json === true) context.stdout.write(json(reply));
  else context.stdout.write(`${action} accepted: service ${reply.service_id} is ${reply.state}\n`);
  return EXIT.ok;
}
