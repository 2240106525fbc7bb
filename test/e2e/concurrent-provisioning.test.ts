/**
 * Fifty paid orders at once against the daemon process and a standalone sandbox: all of them
 * go live on distinct VMIDs, IPs and subdomains, and the simulators' own counters show that
 * the daemon kept to the concurrency it configures for each system — and did use it (more
 * than one call in flight), so a daemon that serialised everything would fail here too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONCURRENCY as CLOUDFLARE_CONCURRENCY } from '../../src/effects/cloudflare/client.js';
import { resolveConfig } from '../../src/effects/proxmox/proxmox-config.js';
import { settingsFromSandbox } from '../../src/infrastructure.js';
import { startProcessStack, type OperationCounters, type ProcessStack, type WireService } from '../support/sandbox-process.js';

const SITES = 50;
/** createNpmEffects' default (src/effects/npm/npm.effects.ts): API and live checks share it. */
const NPM_DEFAULT_CONCURRENCY = 4;
/** createSshClient's default (src/effects/ssh/ssh-client.ts), per node. */
const SSH_DEFAULT_PER_NODE = 4;
/**
 * Added to each proxy host creation. At this time scale an NPM call lasts a few milliseconds,
 * and while the burst is being accepted the pacer starts effects one at a time
 * (src/actors/build-pacer.ts), so whether two calls met was luck (one of the last sixteen
 * runs saw none). A real creation takes seconds (certbot); 300 ms is enough for calls to meet.
 */
const PROXY_HOST_CREATE_MS = 300;

/** The most calls of one operation of `family` (an op prefix) that were in flight at once. */
function familyMax(counters: Record<string, OperationCounters>, family: string, except: (op: string) => boolean = () => false): { max: number; op: string } {
  let best = { max: 0, op: '(none)' };
  for (const [op, counter] of Object.entries(counters)) {
    if (op.startsWith(family) && !except(op) && counter.maxInFlight > best.max) best = { max: counter.maxInFlight, op };
  }
  return best;
}

describe(`${SITES} orders at once, daemon and sandbox as separate processes`, () => {
  let stack: ProcessStack;
  const services: WireService[] = [];

  before(async () => {
    stack = await startProcessStack({ timeScale: 0.01 });
    await stack.sandbox.injectFault({ op: 'npm.proxy_hosts.create', kind: 'latency', latencyMs: PROXY_HOST_CREATE_MS, times: 'always' });
  });
  after(async () => {
    await stack?.stop();
  });

  it(`provisions all ${SITES}: every one active, on its own VMID, IP and subdomain`, async () => {
    const ids = Array.from({ length: SITES }, (_, i) => `burst-${i + 1}`);
    const replies = await Promise.all(ids.map((id, i) => stack.api.createSite(id, `burst.customer${i + 1}@example.com`)));
    for (const [i, reply] of replies.entries()) assert.equal(reply.status, 201, `${ids[i] ?? ''}: ${JSON.stringify(reply.body)}`);
    services.push(...(await Promise.all(ids.map((id) => stack.api.waitForState(id, 'active', 120_000)))));

    const distinct = (values: readonly unknown[]): number => new Set(values).size;
    assert.equal(distinct(services.map((s) => s.vmid)), SITES, 'distinct VMIDs');
    assert.equal(distinct(services.map((s) => s.private_ip)), SITES, 'distinct private IPs');
    assert.equal(distinct(services.map((s) => s.subdomain)), SITES, 'distinct subdomains');
    const running = new Set((await stack.sandbox.state()).containers.filter((c) => c.status === 'running').map((c) => c.vmid));
    assert.deepEqual(services.filter((s) => !running.has(s.vmid)).map((s) => s.service_id), [], 'every container runs in Proxmox');
  });

  it('kept every system within the concurrency the daemon configures for it, and used more than one slot', async (t) => {
    assert.equal(services.length, SITES, 'the burst above provisioned every site');
    const counters = await stack.sandbox.counters();
    const settings = settingsFromSandbox(stack.sandbox.connection);
    const limits = {
      proxmox: resolveConfig(settings.proxmox).concurrency,
      cloudflare: CLOUDFLARE_CONCURRENCY,
      npm: settings.npm.concurrency ?? NPM_DEFAULT_CONCURRENCY,
      sshPerNode: settings.ssh.perNodeConcurrency ?? SSH_DEFAULT_PER_NODE,
    };

    const check = (system: string, seen: { max: number; op: string }, limit: number): void => {
      t.diagnostic(`${system}: at most ${seen.max} in flight (${seen.op}), limit ${limit}`);
      assert.ok(seen.max <= limit, `${system}: ${seen.max} calls of ${seen.op} in flight at once, over the limit of ${limit}`);
      assert.ok(seen.max > 1, `${system}: never more than one call in flight (most: ${seen.op}): the burst was serialised`);
    };
    check('Proxmox', familyMax(counters, 'proxmox.'), limits.proxmox);
    check('Cloudflare', familyMax(counters, 'cloudflare.'), limits.cloudflare);
    // certbot runs happen inside an API call (and one at a time): not requests of their own.
    check('NPM', familyMax(counters, 'npm.', (op) => op.startsWith('npm.certbot.')), limits.npm);

    // SSH is bounded per node: commands inside CTs, counted by the CT's node.
    const byNode = (await stack.sandbox.state()).sshByNode;
    const nodes = Object.entries(byNode);
    assert.ok(nodes.length > 0, 'commands ran inside containers');
    for (const [node, counter] of nodes) {
      t.diagnostic(`SSH on ${node}: at most ${counter.maxInFlight} commands at once, limit ${limits.sshPerNode}`);
      assert.ok(counter.maxInFlight <= limits.sshPerNode, `SSH on ${node}: ${counter.maxInFlight} commands at once, over ${limits.sshPerNode}`);
    }
    assert.ok(Math.max(...nodes.map(([, c]) => c.maxInFlight)) > 1, 'SSH: never more than one command at once on any node');
    const execs = counters['ssh.exec']?.maxInFlight ?? 0;
    assert.ok(execs <= limits.sshPerNode * stack.sandbox.connection.proxmox.nodes.length, `SSH overall: ${execs} execs at once`);
  });
});
