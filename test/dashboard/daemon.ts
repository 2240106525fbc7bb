/**
 * The whole daemon in this process for the browser test: the real registry, machines, SQLite,
 * infrastructure effects against an in-process sandbox, and the HTTP app listening on loopback
 * (port 0), so a browser can load the dashboard and open the feed. As test/e2e/lifecycle.test.ts
 * builds it, minus what that test checks in the sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createServiceRegistry, type ActorRegistry } from '../../src/actors/service-registry.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { buildInfrastructure, settingsFromSandbox, type Infrastructure } from '../../src/infrastructure.js';
import { openStore } from '../../src/persistence/store.js';
import type { Store } from '../../src/persistence/types.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { buildApp } from '../../src/server/app.js';

export const DASHBOARD_TOKEN = 'dashboard-test-token-5b1e9f0c3a';

export interface Daemon {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly registry: ActorRegistry;
  /** POST with the bearer token; answers status and JSON body. */
  post(path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startDaemon(options: { readonly timeScale: number }): Promise<Daemon> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-dashboard-'));
  // A loopback range and VMIDs no other test file uses, as test files run side by side.
  const sandbox: Sandbox = await createSandbox({
    timeScale: options.timeScale,
    sitePort: 20_000 + Math.floor(Math.random() * 20_000),
    privateIps: { first: '127.48.0.100', last: '127.48.0.110' },
  });
  const store: Store = openStore(join(dir, 'provisiond.db'));
  const infrastructure: Infrastructure = buildInfrastructure(settingsFromSandbox(sandbox.connection), {
    onOutput: (serviceId, line) => registry.appendLog(serviceId, line),
  });
  const registry: ActorRegistry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: { ipPool: sandbox.connection.pools.privateIps, vmidRange: { first: 4800, last: 4899 }, reservedSubdomains: [], random: Math.random },
    baseDomain: sandbox.connection.baseDomain,
    logger: pino({ level: 'silent' }),
    effects: { service: infrastructure.service, domain: infrastructure.domain, vmidFree: infrastructure.vmidFree },
  });
  registry.boot();
  const app = buildApp({ registry, apiToken: DASHBOARD_TOKEN, plans: DEFAULT_PLANS.map((plan) => plan.name), readContainer: infrastructure.readContainer });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  return {
    url,
    registry,
    async post(path, body) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DASHBOARD_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      await app.close();
      registry.shutdown();
      await infrastructure.close();
      store.close();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
