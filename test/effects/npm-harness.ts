/**
 * The NPM simulator on loopback for the NPM effects' tests: its API and reverse proxy
 * listening, the effects pointed at them, a direct API client (to set up resources "created
 * before a crash" or by someone else), and a little WordPress upstream on a 127.x address.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { createNpmSimulator, type NpmSimulator, type NpmSimulatorOptions } from '../../src/sandbox/npm/npm-simulator.js';
import { createNpmEffects, type NpmEffects, type NpmEffectsDeps } from '../../src/effects/npm/npm.effects.js';

export const EMAIL = 'provisiond@example.test';
export const PASSWORD = 'sandbox secret 42';

export interface NpmFixture {
  readonly sim: NpmSimulator;
  readonly faults: Faults;
  readonly apiUrl: string;
  readonly proxyUrl: string;
  readonly effects: NpmEffects;
  /** More effects on the same simulator, with other options. */
  effectsWith(options: Partial<NpmEffectsDeps>): NpmEffects;
  /** A direct API call as the same NPM user (logs in each time: tokens may have been expired). */
  direct(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON under test
  close(): Promise<void>;
}

export async function startNpm(
  options: { sim?: Partial<NpmSimulatorOptions>; effects?: Partial<NpmEffectsDeps> } = {},
): Promise<NpmFixture> {
  const faults = new Faults();
  const sim = createNpmSimulator({
    faults,
    latency: new Latency(0),
    identity: { email: EMAIL, secret: PASSWORD },
    ...options.sim,
  });
  const apiBase = await sim.api.listen({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => sim.proxy.listen(0, '127.0.0.1', resolve));
  const proxyUrl = `http://127.0.0.1:${(sim.proxy.address() as AddressInfo).port}`;
  const apiUrl = `${apiBase}/api`;
  const opened: NpmEffects[] = [];
  const effectsWith = (extra: Partial<NpmEffectsDeps>): NpmEffects => {
    const effects = createNpmEffects({ url: apiUrl, email: EMAIL, password: PASSWORD, proxyUrl, timeoutMs: 5000, ...options.effects, ...extra });
    opened.push(effects);
    return effects;
  };
  const direct: NpmFixture['direct'] = async (method, path, body) => {
    const login = await fetch(`${apiUrl}/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity: EMAIL, secret: PASSWORD }),
    });
    const { token } = (await login.json()) as { token: string };
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    sim,
    faults,
    apiUrl,
    proxyUrl,
    effects: effectsWith({}),
    effectsWith,
    direct,
    async close() {
      await Promise.all(opened.map((effects) => effects.close()));
      sim.proxy.closeAllConnections();
      await new Promise<void>((resolve) => sim.proxy.close(() => resolve()));
      await sim.api.close();
    },
  };
}

/** The title the sandbox's WordPress (and the real one) puts on wp-admin/install.php. */
const INSTALL_PAGE =
  '<!DOCTYPE html>\n<html><head><title>WordPress &rsaquo; Installation</title></head>\n' +
  '<body class="wp-core-ui"><p id="logo">WordPress</p><h1>Welcome</h1></body></html>\n';

export interface Upstream {
  readonly server: Server;
  readonly ip: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A WordPress stand-in listening on a 127.x address of its own (a "container"). */
export async function startWordPress(ip = `127.42.${1 + Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`): Promise<Upstream> {
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/wp-admin/install.php') === true) {
      res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' }).end(INSTALL_PAGE);
    } else {
      res.writeHead(302, { location: '/wp-admin/install.php' }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return {
    server,
    ip,
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The AppError fields tests compare (deepEqual on the whole error would include stacks). */
export function errorOf(error: unknown): { code: unknown; retryable: unknown; system: unknown } {
  const e = error as { code?: unknown; retryable?: unknown; system?: unknown };
  return { code: e.code, retryable: e.retryable, system: e.system };
}

/** A host body as a person or an older provisiond would send it directly. */
export function hostBody(domain: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { domain_names: [domain], forward_scheme: 'http', forward_host: '127.0.0.9', forward_port: 8080, ...extra };
}
