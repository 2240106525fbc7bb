/**
 * The whole daemon minus HTTP: the real registry, machines, SQLite and infrastructure effects,
 * driving an in-process sandbox through a site's life — and leaving nothing behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { request } from 'undici';
import { createServiceRegistry, type ActorRegistry } from '../../src/actors/service-registry.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { buildInfrastructure, settingsFromSandbox, type Infrastructure } from '../../src/infrastructure.js';
import { openStore } from '../../src/persistence/store.js';
import type { Store } from '../../src/persistence/types.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { waitFor } from '../support/stack.js';

const TOKEN = 'ownership-token-for-the-test';

async function throughProxy(sandbox: Sandbox, host: string, path: string): Promise<number> {
  const response = await request(`${sandbox.connection.npm.proxyUrl}${path}`, { headers: { host } });
  await response.body.dump();
  return response.statusCode;
}

describe('a site, from payment to deletion, against the sandbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-e2e-'));
  let sandbox: Sandbox;
  let store: Store;
  let infrastructure: Infrastructure;
  let registry: ActorRegistry;
  const state = () => registry.get('9001')?.state;

  before(async () => {
    sandbox = await createSandbox({ timeScale: 0.002, sitePort: 20_000 + Math.floor(Math.random() * 20_000), privateIps: { first: '127.43.0.100', last: '127.43.0.120' } });
    store = openStore(join(dir, 'provisiond.db'));
    infrastructure = buildInfrastructure(settingsFromSandbox(sandbox.connection), { onOutput: (serviceId, line) => registry.appendLog(serviceId, line) });
    registry = createServiceRegistry({
      store,
      plans: DEFAULT_PLANS,
      allocation: { ipPool: sandbox.connection.pools.privateIps, vmidRange: { first: 7000, last: 7099 }, reservedSubdomains: [], random: Math.random },
      baseDomain: sandbox.connection.baseDomain,
      logger: pino({ level: 'silent' }),
      effects: { service: infrastructure.service, domain: infrastructure.domain },
      newToken: () => TOKEN,
    });
    registry.boot();
  });

  after(async () => {
    registry.shutdown();
    await infrastructure.close();
    store.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions a site that answers through the proxy, with the installer output in its log', async () => {
    const { service } = registry.execute({ type: 'create', serviceId: '9001', email: 'customer@example.com', plan: 'basic', publicIp: '203.0.113.10' });
    await waitFor(() => state() === 'active' || state() === 'failed', 30_000, 'the site to be provisioned');
    assert.equal(state(), 'active', JSON.stringify(registry.get('9001')?.failure));
    assert.equal(await throughProxy(sandbox, service.fqdn, '/wp-admin/install.php'), 200);
    const log = registry.logTail('9001', 100).map((line) => line.line);
    assert.ok(log.includes('==> step: done'), `the installer's output reached the log: ${log.slice(-3).join(' | ')}`);
    const container = sandbox.world.containers.get(service.vmid);
    assert.equal(container?.status, 'running');
  });

  it('attaches a custom domain once its TXT record proves ownership', async () => {
    sandbox.world.setTxt('_provisiond-challenge.shop.example.org', [TOKEN]);
    registry.execute({ type: 'domain.add', serviceId: '9001', domain: 'shop.example.org' });
    await waitFor(() => registry.get('9001')?.domains[0]?.state === 'active', 20_000, 'the domain to be active');
    assert.equal(await throughProxy(sandbox, 'shop.example.org', '/wp-admin/install.php'), 200);
  });

  it('suspends the site (the container stays down) and brings it back', async () => {
    registry.execute({ type: 'suspend', serviceId: '9001' });
    await waitFor(() => state() === 'suspended', 20_000, 'suspended');
    const vmid = registry.get('9001')?.vmid ?? 0;
    assert.equal(sandbox.world.containers.get(vmid)?.status, 'stopped');
    assert.equal(await throughProxy(sandbox, registry.get('9001')?.fqdn ?? '', '/wp-admin/install.php'), 502);
    registry.execute({ type: 'unsuspend', serviceId: '9001' });
    await waitFor(() => state() === 'active', 20_000, 'active again');
    assert.equal(await throughProxy(sandbox, registry.get('9001')?.fqdn ?? '', '/wp-admin/install.php'), 200);
  });

  it('deletes everything it created and gives the allocation back', async () => {
    registry.execute({ type: 'delete', serviceId: '9001' });
    await waitFor(() => state() === 'deleted' || state() === 'failed', 30_000, 'deleted');
    assert.equal(state(), 'deleted', JSON.stringify(registry.get('9001')?.failure));
    const snapshot = (await (await fetch(`${sandbox.connection.control.url}/state`)).json()) as { containers: unknown[]; proxyHosts: unknown[]; zones: unknown[] };
    assert.deepEqual(snapshot.containers, [], 'no container');
    assert.deepEqual(snapshot.proxyHosts, [], 'no proxy host');
    assert.deepEqual(snapshot.zones, [], 'no DNS zone');
    const records = await fetch(`${sandbox.connection.cloudflare.baseUrl}/zones/${sandbox.connection.cloudflare.zoneId}/dns_records`, {
      headers: { authorization: `Bearer ${sandbox.connection.cloudflare.apiToken}` },
    });
    assert.deepEqual(((await records.json()) as { result: unknown[] }).result, [], 'no DNS record');
    assert.equal(store.services.allocation('9001'), undefined);
  });
});
