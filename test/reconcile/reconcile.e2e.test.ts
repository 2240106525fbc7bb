/**
 * `provisiond reconcile` end to end: a standalone sandbox and a daemon as processes, two sites
 * provisioned; then drift and orphans made directly through the simulators' own APIs — a
 * container stopped while its service is active, a DNS record moved to another IP, a proxy
 * host forwarding elsewhere, a marked container, record, proxy host and zone for a service id
 * the database does not know — and the same kinds of resources WITHOUT our marker. The CLI, a
 * process of its own, must find exactly those (exit 1), repair all of them with --fix except
 * the unmarked ones, which stay exactly as they were (exit 0), and then find nothing (exit 0).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { poll, startProcessStack, type ProcessStack, type WireService } from '../support/sandbox-process.js';
import { runCli } from './process-support.js';
import { SimulatorWrites } from './simulator-writes.js';

const SETTLE_MS = 30_000;
const PUBLIC_IP = '203.0.113.10';
const GHOST = 'ghost-77';

interface JsonReport {
  readonly findings: readonly { kind: string; system: string; resource: string; service_id: string; detail: string; fix?: { status: string; message?: string } }[];
  readonly unreadable: readonly unknown[];
  readonly summary: { remaining: number; fixed: number };
}

const parse = (stdout: string): JsonReport => JSON.parse(stdout) as JsonReport;
const keys = (report: JsonReport): string[] => report.findings.map((f) => `${f.kind} ${f.system} ${f.resource} ${f.service_id}`).sort();

describe('provisiond reconcile against a standalone sandbox and a running daemon', () => {
  let stack: ProcessStack;
  let writes: SimulatorWrites;
  let alpha: WireService;
  let beta: WireService;
  let ghostHostId: number;
  let alphaHostId: number;
  /** The unmarked resources as they are now, as text. */
  let untouched: () => Promise<string>;
  /** …and as they were before any reconcile run. */
  let unmarkedBefore: string;

  before(async () => {
    stack = await startProcessStack({ timeScale: 0.01 });
    writes = new SimulatorWrites(stack.sandbox.connection);
    for (const [id, email] of [['rec-1', 'alpha@example.com'], ['rec-2', 'beta@example.com']] as const) {
      const created = await stack.api.createSite(id, email);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    alpha = await stack.api.waitForState('rec-1', 'active', SETTLE_MS);
    beta = await stack.api.waitForState('rec-2', 'active', SETTLE_MS);
  });
  after(async () => {
    await stack?.stop();
  });

  it('sets up drift, marked orphans and unmarked resources behind the daemon\'s back', async () => {
    const { baseDomain } = stack.sandbox.connection;
    // 1. Stop alpha's container the way the GUI does (for an HA-managed CT: HA's requested state), and wait until it is down.
    const ct = (await stack.sandbox.state()).containers.find((c) => c.vmid === alpha.vmid);
    assert.ok(ct);
    await writes.proxmoxTask(await writes.proxmox('POST', `/nodes/${ct.node}/lxc/${alpha.vmid}/status/stop`));
    await poll(() => stack.sandbox.state(), (s) => s.containers.find((c) => c.vmid === alpha.vmid)?.status === 'stopped', SETTLE_MS, `container ${alpha.vmid} stopped`);
    // 2. Beta's DNS record now points elsewhere.
    const [betaRecord] = (await writes.cloudflare('GET', `?name=${beta.fqdn}&type=A`)) as { id: string }[];
    assert.ok(betaRecord);
    await writes.cloudflare('PATCH', `/${betaRecord.id}`, { content: '198.51.100.77' });
    // 3. Alpha's proxy host forwards to another host.
    const hosts = (await writes.npm('GET', '/nginx/proxy-hosts')) as { id: number; domain_names: string[] }[];
    alphaHostId = hosts.find((h) => h.domain_names.includes(alpha.fqdn))?.id ?? -1;
    await writes.npm('PUT', `/nginx/proxy-hosts/${alphaHostId}`, { forward_host: '127.42.0.250' });
    // 4. Resources marked for a service the database does not know.
    await writes.createContainer(1990, '127.42.1.90', { description: `provisiond:${GHOST}`, tags: `provisiond;svc-${GHOST}` });
    await writes.cloudflare('POST', '', { type: 'A', name: `ghost.${baseDomain}`, content: PUBLIC_IP, ttl: 300, proxied: false, comment: `provisiond:${GHOST}` });
    const ghostHost = await writes.npm('POST', '/nginx/proxy-hosts', {
      domain_names: [`ghost.${baseDomain}`], forward_scheme: 'http', forward_host: '127.42.1.90', forward_port: 80,
      meta: { provisiond: `provisiond:${GHOST}` }, advanced_config: `# provisiond:${GHOST}\n`,
    });
    ghostHostId = Number(ghostHost.id);
    await writes.createZone('ghost-shop.example', GHOST);
    // 5. The same kinds of resources without our marker: never ours to touch.
    await writes.createContainer(1991, '127.42.1.91', { description: 'build box of the ops team' });
    await writes.cloudflare('POST', '', { type: 'A', name: `manual.${baseDomain}`, content: '198.51.100.91', ttl: 300, proxied: false, comment: 'added by hand' });
    await writes.npm('POST', '/nginx/proxy-hosts', { domain_names: [`manual.${baseDomain}`], forward_scheme: 'http', forward_host: '127.42.1.91', forward_port: 8080 });
    await writes.createZone('manual.example', null);

    untouched = async () => {
      const state = await stack.sandbox.state();
      const records = await stack.sandbox.cloudflareRecords();
      const npmHosts = (await writes.npm('GET', '/nginx/proxy-hosts')) as { domain_names: string[]; forward_host: string; forward_port: number }[];
      return JSON.stringify({
        container: state.containers.find((c) => c.vmid === 1991),
        record: records.find((r) => r.name === `manual.${baseDomain}`),
        host: npmHosts.find((h) => h.domain_names.includes(`manual.${baseDomain}`)),
        zone: state.zones.find((z) => z.origin === 'manual.example.'),
      });
    };
    const initial = JSON.parse(await untouched()) as Record<string, unknown>;
    for (const [what, value] of Object.entries(initial)) assert.ok(value !== undefined, `the unmarked ${what} exists`);
  });

  it('reconcile --json finds exactly the drift and the marked orphans (exit 1), and changes nothing', async () => {
    unmarkedBefore = await untouched();
    const run = await runCli(['reconcile', '--json'], stack.env);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const report = parse(run.stdout);
    const { baseDomain } = stack.sandbox.connection;
    assert.deepEqual(keys(report), [
      `drift cloudflare A record ${beta.fqdn} rec-2`,
      `drift npm proxy host ${alphaHostId} (${alpha.fqdn}) rec-1`,
      `drift proxmox container ${alpha.vmid} rec-1`,
      `orphan cloudflare A record ghost.${baseDomain} ${GHOST}`,
      `orphan ispconfig zone ghost-shop.example ${GHOST}`,
      `orphan npm proxy host ${ghostHostId} (ghost.${baseDomain}) ${GHOST}`,
      `orphan proxmox container 1990 ${GHOST}`,
    ]);
    assert.deepEqual(report.unreadable, []);
    assert.ok(report.findings.every((f) => f.fix === undefined), 'a check repairs nothing');
    const detail = new Map(report.findings.map((f) => [`${f.system} ${f.kind} ${f.service_id}`, f.detail]));
    assert.match(detail.get('proxmox drift rec-1') ?? '', /stopped while the service is active/);
    assert.match(detail.get('cloudflare drift rec-2') ?? '', /points to 198\.51\.100\.77 instead of 203\.0\.113\.10/);
    assert.match(detail.get('npm drift rec-1') ?? '', /forwards to 127\.42\.0\.250:\d+ instead of/);
    assert.equal((await stack.sandbox.state()).containers.find((c) => c.vmid === alpha.vmid)?.status, 'stopped');
    assert.equal(await untouched(), unmarkedBefore);
  });

  it('reconcile --fix repairs every finding (exit 0) and leaves the unmarked resources exactly as they were', async () => {
    const run = await runCli(['reconcile', '--fix', '--json'], stack.env);
    const report = parse(run.stdout);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(report.findings.length, 7);
    for (const f of report.findings) assert.equal(f.fix?.status, 'fixed', `${f.resource}: ${JSON.stringify(f.fix)}`);

    const { baseDomain } = stack.sandbox.connection;
    const state = await stack.sandbox.state();
    assert.equal(state.containers.find((c) => c.vmid === alpha.vmid)?.status, 'running');
    assert.equal(state.containers.some((c) => c.vmid === 1990), false, 'the orphan container is gone');
    assert.equal(state.zones.some((z) => z.origin === 'ghost-shop.example.'), false, 'the orphan zone is gone');
    const records = await stack.sandbox.cloudflareRecords();
    assert.deepEqual(records.filter((r) => r.name === beta.fqdn).map((r) => r.content), [PUBLIC_IP]);
    assert.equal(records.some((r) => r.name === `ghost.${baseDomain}`), false, 'the orphan record is gone');
    const hosts = (await writes.npm('GET', '/nginx/proxy-hosts')) as { id: number; forward_host: string }[];
    assert.equal(hosts.find((h) => h.id === alphaHostId)?.forward_host, alpha.private_ip);
    assert.equal(hosts.some((h) => h.id === ghostHostId), false, 'the orphan proxy host is gone');
    // Both sites answer through the proxy again (alpha's container is up and forwarded to).
    await poll(() => stack.sandbox.throughProxy(alpha.fqdn), (status) => status === 200, SETTLE_MS, `${alpha.fqdn} through the proxy`);
    assert.equal(await stack.sandbox.throughProxy(beta.fqdn), 200);
    assert.equal(await untouched(), unmarkedBefore, 'the unmarked resources are untouched');
    // The daemon saw none of this as its own business: both services are still active.
    assert.equal((await stack.api.status('rec-1')).state, 'active');
    assert.equal((await stack.api.status('rec-2')).state, 'active');
  });

  it('a run after the repairs finds nothing (exit 0)', async () => {
    const run = await runCli(['reconcile'], stack.env);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    // The text form: a header, no finding lines, the totals.
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, run.stdout);
    assert.match(lines[0] ?? '', /^provisiond reconcile at \d{4}-\d\d-\d\dT/);
    assert.equal(lines[1], '0 orphan, 0 missing, 0 drift, 0 busy; 0 remaining');
  });
});
