/**
 * The whole daemon in this process for the browser test (test/support/in-process-daemon.ts
 * builds it), its HTTP app listening on loopback (port 0) so a browser can load the dashboard
 * and open the feed.
 */
import type { AddressInfo } from 'node:net';
import type { ActorRegistry } from '../../src/actors/service-registry.js';
import { startInProcessDaemon } from '../support/in-process-daemon.js';

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
  // A loopback range and VMIDs no other test file uses, as test files run side by side.
  const daemon = await startInProcessDaemon({
    timeScale: options.timeScale,
    privateIps: { first: '127.48.0.100', last: '127.48.0.110' },
    vmids: { first: 4800, last: 4899 },
    apiToken: DASHBOARD_TOKEN,
  });
  try {
    await daemon.app.listen({ host: '127.0.0.1', port: 0 });
  } catch (error) {
    await daemon.close();
    throw error;
  }
  const url = `http://127.0.0.1:${(daemon.app.server.address() as AddressInfo).port}`;

  return {
    url,
    registry: daemon.registry,
    async post(path, body) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DASHBOARD_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    close: () => daemon.close(),
  };
}
