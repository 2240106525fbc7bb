/**
 * Permanent faults, one system at a time: a refusal that asking again cannot change (a 4xx
 * in the system's own words, an installer that exits non-zero for a reason of its own),
 * standing for as long as the case runs. The service (or, for ISPConfig, which only custom
 * domains use, the domain) must end `failed` at the step that met it, with the code that
 * says "permanent", and compensation must leave nothing of it anywhere. The cases run one
 * after another: a standing fault on an operation hits every service that calls it.
 */
import type { ProcessStack } from '../support/sandbox-process.js';
import { SandboxControl } from './control.js';
import { DNS_PUBLISH_GRACE, type MixRule } from './fault-mix.js';
import { ServiceBoard, type BoardService } from './service-board.js';

export interface PermanentCase {
  readonly system: string;
  readonly fault: MixRule;
  /** Where the failure must be recorded: a service step, or a custom domain's. */
  readonly at: 'service' | 'domain';
  readonly step: string;
  readonly code: string;
}

export const PERMANENT_CASES: readonly PermanentCase[] = [
  {
    system: 'proxmox',
    fault: { op: 'proxmox.ha.resources.create', kind: 'status', status: 403, message: 'Permission check failed (/, Sys.Console)', times: 'always' },
    at: 'service', step: 'ha', code: 'UPSTREAM_REJECTED',
  },
  {
    system: 'ssh',
    fault: { op: 'ssh.ct.bash', kind: 'status', status: 100, message: 'E: Unable to locate package nginx', times: 'always' },
    at: 'service', step: 'install', code: 'INSTALL_FAILED',
  },
  {
    system: 'cloudflare',
    fault: { op: 'cloudflare.dns_records.create', kind: 'status', status: 400, message: 'DNS record content is invalid', times: 'always' },
    at: 'service', step: 'dnsRecord', code: 'UPSTREAM_REJECTED',
  },
  {
    system: 'npm',
    fault: { op: 'npm.proxy_hosts.create', kind: 'status', status: 400, message: 'data/forward_host must match format "hostname"', times: 'always' },
    at: 'service', step: 'proxyHost', code: 'UPSTREAM_REJECTED',
  },
  {
    system: 'ispconfig',
    // A remote_fault the panel's validation raises (data_processing_error): status 200 is the envelope.
    fault: { op: 'ispconfig.dns_zone_add', kind: 'status', status: 200, message: 'The Origin field is invalid.<br />\r\n', times: 'always' },
    at: 'domain', step: 'dnsZone', code: 'UPSTREAM_REJECTED',
  },
];

export interface PermanentResult {
  readonly case: PermanentCase;
  readonly serviceId: string;
  /** How many calls the fault hit. */
  readonly hits: number;
  /** What went wrong; [] when the case held. */
  readonly problems: readonly string[];
}

/** Every wait here is short (no retries of a permanent fault); the cap is margin. */
const PATIENCE = { idleMs: 60_000, timeoutMs: 90_000 };
const SETTLED = new Set(['active', 'suspended', 'failed', 'deleted']);

/** Run one case to its end: failed where expected with nothing of it left, then deleted with nothing left. */
export async function runPermanentCase(stack: ProcessStack, c: PermanentCase, tag: string): Promise<PermanentResult> {
  const control = new SandboxControl(stack.sandbox.connection.control.url);
  const board = new ServiceBoard(stack.api);
  const serviceId = `perm-${tag}-${c.system}`;
  const domain = `perm-${c.system}-${tag}.example.org`;
  const problems: string[] = [];
  const hitsOf = async (): Promise<number> => (await control.counters())[c.fault.op]?.faulted ?? 0;
  const settled = (what: string): Promise<BoardService> => board.until(serviceId, (s) => SETTLED.has(s.state), PATIENCE, `${serviceId} to settle (${what})`);
  const before = await hitsOf();
  let hits = 0;
  if (c.at === 'service') await control.inject([c.fault]);
  board.start();
  try {
    const created = await stack.api.createSite(serviceId, `pm${tag}${c.system}@example.com`);
    if (created.status !== 201) return { case: c, serviceId, hits, problems: [`create-site answered ${created.status}: ${JSON.stringify(created.body)}`] };
    let service = await settled('provisioning');
    if (c.at === 'service') {
      const failure = service.failure;
      if (service.state !== 'failed' || failure?.step !== c.step || failure.code !== c.code) {
        problems.push(`settled in ${service.state} at ${failure?.step}/${failure?.code} instead of failed at ${c.step}/${c.code}: ${JSON.stringify(failure)}`);
      }
      if (service.compensation_errors.length > 0) problems.push(`compensation errors: ${JSON.stringify(service.compensation_errors)}`);
      // Failed for good means compensated: nothing of it exists while it waits for an operator.
      for (const line of await stack.sandbox.leftovers(footprintOf(service))) problems.push(`while failed: ${line} remains`);
    } else {
      if (service.state !== 'active') return { case: c, serviceId, hits, problems: [`the site settled in ${service.state}: ${JSON.stringify(service.failure)}`] };
      // The first ownership look runs the moment the domain is added: delay its answer past our publishing.
      await control.inject([c.fault, { ...DNS_PUBLISH_GRACE, times: 1 }]);
      const reply = await stack.api.call<{ verification: { name: string; value: string } }>('POST', '/customdomain/add', { service_id: serviceId, domain });
      if (reply.status !== 202) return { case: c, serviceId, hits, problems: [`customdomain/add answered ${reply.status}`] };
      await stack.sandbox.publishTxt(reply.body.verification.name, [reply.body.verification.value]);
      service = await board.until(serviceId, (s) => s.domains.some((d) => d.domain === domain && (d.state === 'failed' || d.state === 'active')), PATIENCE, `${domain} to settle`);
      const found = service.domains.find((d) => d.domain === domain);
      if (found?.state !== 'failed' || found.error?.code !== c.code) problems.push(`the domain settled as ${JSON.stringify(found)} instead of failed with ${c.code}`);
      // Nothing of the failed domain exists while the site itself carries on (vmid -1: no container to look for).
      for (const line of await stack.sandbox.leftovers({ vmid: -1, fqdn: domain })) problems.push(`of the failed domain: ${line} remains`);
      if ((await stack.sandbox.throughProxy(service.fqdn)) !== 200) problems.push('the site stopped answering when its domain failed');
    }
    hits = (await hitsOf()) - before;
    if (hits < 1) problems.push(`the fault on ${c.fault.op} was never hit`);
    await control.clear();
    // A failed service still holds its allocation; deleting it is how Paymenter ends it.
    const deleted = await stack.api.call('POST', '/delete-site', { service_id: serviceId });
    if (deleted.status !== 200) problems.push(`delete-site answered ${deleted.status}`);
    else {
      // Failed before the delete as well: only a failure committed after it counts.
      const gone = await board.until(serviceId, (s) => s.state === 'deleted' || (s.state === 'failed' && s.updated_at !== service.updated_at), PATIENCE, `${serviceId} to be deleted`);
      if (gone.state !== 'deleted') problems.push(`deletion failed: ${JSON.stringify(gone.failure)}`);
    }
    for (const line of await stack.sandbox.leftovers({ ...footprintOf(service), customDomains: [domain] })) problems.push(`after deletion: ${line} remains`);
  } finally {
    board.stop();
    await control.clear();
  }
  return { case: c, serviceId, hits, problems };
}

const footprintOf = (service: BoardService) => ({ vmid: service.vmid, fqdn: service.fqdn, privateIp: service.private_ip });
