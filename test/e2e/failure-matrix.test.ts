/**
 * Every provisioning step against faults injected into a standalone sandbox, the daemon its
 * own process: a fault that never clears ends the service in `failed`, naming the step, with
 * nothing of it left in any simulator (compensation undid what was begun); a fault that clears
 * after one or two hits is retried and the site goes live; and `retry` brings a failed service
 * back once the fault is gone.
 *
 * The waits are the machines' real retry policy (src/machines/retry-policy.ts): readiness and
 * the live check poll 6 times 5 s apart before giving up, the installer waits 10 s, container
 * and snapshot operations 5 s, API calls 2 s. That, not the sandbox, is what this file's
 * running time is made of (about two minutes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startProcessStack, type FaultRule, type ProcessStack, type WireService } from '../support/sandbox-process.js';

interface StepCase {
  /** `failure.step` as the service machine names it. */
  readonly step: string;
  /** `failure.code` the permanent fault must end in (the effects' error taxonomy). */
  readonly code: string;
  /** Never clears: a refusal the daemon must not retry, or one it retries until it gives up. */
  readonly permanent: FaultRule;
  /** Clears by itself: the daemon must retry past it. */
  readonly transient: FaultRule;
}

const always = 'always' as const;

/** The operation each step uses, and a permanent and a transient fault for it. */
const STEPS: readonly StepCase[] = [
  {
    step: 'container',
    code: 'UPSTREAM_REJECTED',
    permanent: { op: 'proxmox.lxc.create', kind: 'status', status: 400, message: "unable to create CT - storage 'drbd' is not online", times: always },
    transient: { op: 'proxmox.lxc.create', kind: 'status', status: 503, message: 'Service Unavailable', times: 1 },
  },
  {
    step: 'ha',
    code: 'UPSTREAM_REJECTED',
    permanent: { op: 'proxmox.ha.resources.create', kind: 'status', status: 403, message: 'Permission check failed (/, Sys.Console)', times: always },
    transient: { op: 'proxmox.ha.resources.create', kind: 'status', status: 503, message: 'Service Unavailable', times: 1 },
  },
  {
    // Readiness failures are always worth another look: "permanent" means it never answers,
    // so the machine polls six times and then gives up.
    step: 'ready',
    code: 'NOT_READY',
    permanent: { op: 'ssh.ct.echo', kind: 'status', status: 1, message: 'lxc-attach: attach.c: Failed to get init pid', times: always },
    transient: { op: 'ssh.ct.echo', kind: 'reset', times: 1 },
  },
  {
    step: 'install',
    code: 'INSTALL_FAILED',
    permanent: { op: 'ssh.ct.bash', kind: 'status', status: 100, message: 'E: Unable to locate package nginx', times: always },
    transient: { op: 'ssh.ct.bash', kind: 'reset', times: 1 },
  },
  {
    step: 'verify',
    code: 'VERIFY_FAILED',
    permanent: { op: 'ssh.ct.test', kind: 'status', status: 1, times: always },
    transient: { op: 'ssh.ct.test', kind: 'reset', times: 1 },
  },
  {
    step: 'dnsRecord',
    code: 'UPSTREAM_REJECTED',
    permanent: { op: 'cloudflare.dns_records.create', kind: 'status', status: 400, message: 'DNS record content is invalid', times: always },
    transient: { op: 'cloudflare.dns_records.create', kind: 'status', status: 503, message: 'Service Unavailable', times: 2 },
  },
  {
    step: 'proxyHost',
    code: 'UPSTREAM_REJECTED',
    permanent: { op: 'npm.proxy_hosts.create', kind: 'status', status: 400, message: 'data/forward_host must match format "hostname"', times: always },
    transient: { op: 'npm.proxy_hosts.create', kind: 'status', status: 502, message: 'Bad Gateway', times: 1 },
  },
  {
    // SITE_NOT_LIVE is retryable by nature (nginx may still be reloading): six polls, then failed.
    step: 'live',
    code: 'SITE_NOT_LIVE',
    permanent: { op: 'npm.proxy.forward', kind: 'status', status: 502, times: always },
    transient: { op: 'npm.proxy.forward', kind: 'status', status: 502, times: 1 },
  },
  {
    step: 'snapshot',
    code: 'UPSTREAM_REJECTED',
    permanent: { op: 'proxmox.lxc.snapshot.create', kind: 'status', status: 400, message: "snapshot feature is not available on storage 'drbd'", times: always },
    transient: { op: 'proxmox.lxc.snapshot.create', kind: 'status', status: 503, message: 'Service Unavailable', times: 1 },
  },
];

/** Six readiness polls 5 s apart is the slowest way to fail; the rest is margin. */
const SETTLE_MS = 60_000;

describe('each provisioning step under a permanent and a transient fault (standalone sandbox)', () => {
  let stack: ProcessStack;
  let sequence = 0;
  /** A fresh service id and e-mail per case: cases share one daemon and one sandbox. */
  const nextService = (label: string): { id: string; email: string } => {
    sequence += 1;
    return { id: `fm-${label}-${sequence}`, email: `fm-${label.toLowerCase()}-${sequence}@example.com` };
  };

  /** Faulted calls of `op` so far: proves the injected fault was actually hit. */
  const faulted = async (op: string): Promise<number> => (await stack.sandbox.counters())[op]?.faulted ?? 0;

  const footprintOf = (service: WireService) => ({ vmid: service.vmid, fqdn: service.fqdn, privateIp: service.private_ip });

  /** Create a service under `fault` and wait until it settles in `wanted`; the fault is cleared whatever happens. */
  const provisionUnder = async (label: string, fault: FaultRule, wanted: 'active' | 'failed'): Promise<{ service: WireService; hits: number }> => {
    const { id, email } = nextService(label);
    const hitsBefore = await faulted(fault.op);
    await stack.sandbox.injectFault(fault);
    try {
      const created = await stack.api.createSite(id, email);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const service = await stack.api.waitForState(id, wanted, SETTLE_MS);
      return { service, hits: (await faulted(fault.op)) - hitsBefore };
    } finally {
      await stack.sandbox.clearFaults();
    }
  };

  before(async () => {
    stack = await startProcessStack({ timeScale: 0.005 });
  });
  after(async () => {
    await stack?.stop();
  });

  for (const { step, code, permanent } of STEPS) {
    it(`${step}: a permanent fault on ${permanent.op} ends in failed at ${step} (${code}), and nothing is left anywhere`, async () => {
      const { service, hits } = await provisionUnder(step, permanent, 'failed');
      assert.ok(hits >= 1, `the fault on ${permanent.op} was hit`);
      assert.equal(service.failure?.phase, 'provisioning', JSON.stringify(service.failure));
      assert.equal(service.failure?.step, step, JSON.stringify(service.failure));
      assert.equal(service.failure?.code, code, JSON.stringify(service.failure));
      assert.ok((service.failure?.message ?? '').length > 0, 'a message that says why');
      // The system's own words reach the operator.
      if (permanent.message !== undefined) assert.ok(service.failure?.message.includes(permanent.message), JSON.stringify(service.failure));
      assert.deepEqual(await stack.sandbox.leftovers(footprintOf(service)), [], `nothing of ${service.service_id} remains`);
    });
  }

  for (const { step, transient } of STEPS) {
    it(`${step}: a transient fault on ${transient.op} (${String(transient.times)}×) is retried and the site goes live`, async () => {
      const { service, hits } = await provisionUnder(step, transient, 'active');
      assert.equal(hits, transient.times, `the fault on ${transient.op} was hit as often as armed`);
      assert.equal(await stack.sandbox.throughProxy(service.fqdn), 200);
    });
  }

  it('retry: a service failed for good comes back to active once the fault is gone', async () => {
    const { service } = await provisionUnder('retry', { op: 'npm.proxy_hosts.create', kind: 'status', status: 403, message: 'Permission denied', times: always }, 'failed');
    assert.deepEqual([service.failure?.step, service.failure?.code], ['proxyHost', 'UPSTREAM_AUTH_FAILED']);
    const reply = await stack.api.call<{ state: string }>('POST', `/v1/services/${service.service_id}/retry`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const revived = await stack.api.waitForState(service.service_id, 'active', SETTLE_MS);
    assert.equal(revived.failure, null);
    assert.deepEqual({ vmid: revived.vmid, ip: revived.private_ip }, { vmid: service.vmid, ip: service.private_ip }, 'the same allocation, kept while failed');
    assert.equal(await stack.sandbox.throughProxy(revived.fqdn), 200);
  });
});
