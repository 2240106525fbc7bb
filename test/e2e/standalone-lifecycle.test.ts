/**
 * A site's whole life with every piece a process of its own: the sandbox (`npm run sandbox`)
 * and the daemon (`npm start` with PROVISIOND_SANDBOX), driven only over HTTP with the bearer
 * token, and checked only through what the simulated systems themselves show.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { poll, startProcessStack, type ProcessStack, type WireService } from '../support/sandbox-process.js';

const SERVICE = 'e2e-life-1';
const EMAIL = 'lifecycle@example.com';
const DOMAIN = 'shop.example.org';
/** Long enough for any state change; the sandbox's whole provisioning takes about a second here. */
const SETTLE_MS = 30_000;

describe('a site from payment to deletion, sandbox and daemon as separate processes', () => {
  let stack: ProcessStack;
  let site: WireService;

  before(async () => {
    stack = await startProcessStack({ timeScale: 0.01 });
  });
  after(async () => {
    await stack?.stop();
  });

  it('creates a site that reaches active and answers through the sandbox proxy', async () => {
    const created = await stack.api.createSite(SERVICE, EMAIL);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.subdomain, 'lifecycle');
    site = await stack.api.waitForState(SERVICE, 'active', SETTLE_MS);
    assert.equal(site.vmid, created.body.vmid);
    assert.equal(site.fqdn, `lifecycle.${stack.sandbox.connection.baseDomain}`);
    assert.equal(await stack.sandbox.throughProxy(site.fqdn), 200);
    const container = (await stack.sandbox.state()).containers.find((c) => c.vmid === site.vmid);
    assert.equal(container?.status, 'running');
    assert.equal(container?.ip, site.private_ip);
  });

  it('suspends: the container is stopped, HA and onboot keep it down, and it stays down', async () => {
    const reply = await stack.api.call('POST', '/suspend', { service_id: SERVICE });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await stack.api.waitForState(SERVICE, 'suspended', SETTLE_MS);

    const checkDown = async (when: string): Promise<void> => {
      const container = (await stack.sandbox.state()).containers.find((c) => c.vmid === site.vmid);
      assert.equal(container?.status, 'stopped', `the container is stopped ${when}`);
      const ha = (await stack.sandbox.haResources()).find((r) => r.sid === `ct:${site.vmid}`);
      assert.equal(ha?.state, 'stopped', `HA's requested state is stopped ${when}`);
      const config = await stack.sandbox.proxmox<{ onboot?: number }>(`/nodes/${container?.node ?? 'node1'}/lxc/${site.vmid}/config`);
      assert.equal(Number(config.onboot ?? 0), 0, `onboot is off ${when}`);
      assert.equal(await stack.sandbox.throughProxy(site.fqdn), 502, `the proxy finds no upstream ${when}`);
    };
    await checkDown('right after suspending');
    // "Stays down" is the absence of a restart, so there is nothing to poll for: give the
    // simulated HA manager many rounds (one is 7.5 model s = 75 ms here) to restart it if it would.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await checkDown('1.5 s (≈ 20 HA rounds) later');
    assert.equal((await stack.api.status(SERVICE)).state, 'suspended');
  });

  it('unsuspends: active again and the site answers', async () => {
    const reply = await stack.api.call('POST', '/unsuspend', { service_id: SERVICE });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await stack.api.waitForState(SERVICE, 'active', SETTLE_MS);
    assert.equal(await stack.sandbox.throughProxy(site.fqdn), 200);
    const ha = (await stack.sandbox.haResources()).find((r) => r.sid === `ct:${site.vmid}`);
    assert.equal(ha?.state, 'started');
  });

  it('attaches a custom domain once the TXT record named in the reply is published', async () => {
    // The first ownership check runs as soon as the domain is added; delay its DNS answer so
    // that the record published right after the reply is what it sees (the sandbox reads TXT
    // records when it answers). Otherwise the next check would be 30 s away.
    await stack.sandbox.injectFault({ op: 'dns.query', kind: 'latency', latencyMs: 1_500, times: 1 });
    const reply = await stack.api.call<{ domain: string; verification: { type: string; name: string; value: string } }>('POST', '/customdomain/add', {
      service_id: SERVICE,
      domain: DOMAIN,
    });
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
    assert.equal(reply.body.verification.type, 'TXT');
    assert.equal(reply.body.verification.name, `_provisiond-challenge.${DOMAIN}`);
    assert.match(reply.body.verification.value, /\S{16,}/);
    await stack.sandbox.publishTxt(reply.body.verification.name, [reply.body.verification.value]);

    const service = await poll(
      () => stack.api.status(SERVICE),
      (s) => s.domains.some((d) => d.domain === DOMAIN && (d.state === 'active' || d.state === 'failed')),
      SETTLE_MS,
      `${DOMAIN} to settle`,
    );
    assert.deepEqual(service.domains.map((d) => [d.domain, d.state, d.error]), [[DOMAIN, 'active', null]]);
    assert.equal(await stack.sandbox.throughProxy(DOMAIN), 200, 'the custom domain answers through the proxy');
    const state = await stack.sandbox.state();
    assert.ok(state.zones.some((z) => z.origin.replace(/\.$/, '') === DOMAIN), 'its DNS zone exists in ISPConfig');
  });

  it('deletes the site and every simulator is empty of it', async () => {
    const reply = await stack.api.call('POST', '/delete-site', { service_id: SERVICE });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    await stack.api.waitForState(SERVICE, 'deleted', SETTLE_MS);
    assert.deepEqual(await stack.sandbox.leftovers({ vmid: site.vmid, fqdn: site.fqdn, privateIp: site.private_ip, customDomains: [DOMAIN] }), []);
    assert.equal(await stack.sandbox.throughProxy(site.fqdn), 404, 'the proxy no longer knows the name');
    assert.equal(await stack.sandbox.throughProxy(DOMAIN), 404, 'nor the custom domain');
  });

  it('gave the allocation back: a new site gets the same VMID, IP and subdomain, and is built on them', async () => {
    const again = await stack.api.createSite('e2e-life-2', EMAIL);
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.deepEqual(
      { vmid: again.body.vmid, ip: again.body.private_ip, subdomain: again.body.subdomain },
      { vmid: site.vmid, ip: site.private_ip, subdomain: site.subdomain },
    );
    // Proxmox refuses a VMID still held by anyone (the daemon would fail NOT_OURS): active proves it is free there too.
    await stack.api.waitForState('e2e-life-2', 'active', SETTLE_MS);
    assert.equal(await stack.sandbox.throughProxy(site.fqdn), 200);
  });
});
