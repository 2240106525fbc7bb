/**
 * A standalone sandbox and a daemon, each a real child process, for end-to-end tests over the
 * wire. The daemon is reached only through its HTTP API with the bearer token; the sandbox
 * through its control API and through the simulated systems' own APIs, with the credentials
 * of the connection file the sandbox wrote, as an operator would look at the real systems.
 * Everything listens on loopback; ports are chosen by the OS, except the one port every
 * simulated container serves its site on, which is a random high port.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import type { SandboxConnection } from '../../src/sandbox/sandbox.js';
import { exited, startScript, type Started } from './child-process.js';

export const API_TOKEN = 'an-e2e-test-token-of-enough-length';

/** What `/status` says about a service (the fields these tests read). */
export interface WireService {
  readonly service_id: string;
  readonly vmid: number;
  readonly private_ip: string;
  readonly subdomain: string;
  readonly fqdn: string;
  readonly state: string;
  readonly step: string | null;
  readonly failure: { readonly phase: string; readonly step: string; readonly code: string; readonly message: string } | null;
  readonly domains: readonly { readonly domain: string; readonly state: string; readonly error: { code: string; message: string } | null }[];
}

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
}

export interface FaultRule {
  readonly op: string;
  readonly kind: 'status' | 'reset' | 'timeout' | 'latency';
  readonly status?: number;
  readonly message?: string;
  readonly latencyMs?: number;
  readonly times?: number | 'always';
}

export interface OperationCounters {
  readonly calls: number;
  readonly inFlight: number;
  readonly maxInFlight: number;
  readonly faulted: number;
}

/** GET /state of the control API. */
export interface SandboxState {
  readonly containers: readonly { vmid: number; node: string; status: string; ip: string | null; hostname: string }[];
  readonly proxyHosts: readonly { id: number; domain_names: readonly string[]; meta?: Readonly<Record<string, unknown>>; advanced_config?: string }[];
  readonly zones: readonly { id?: number; origin: string }[];
  readonly sites: readonly { vmid: number; ip: string }[];
  readonly sshByNode: Readonly<Record<string, OperationCounters>>;
}

/** Poll `read` until `done` holds; on timeout the error says what was awaited and what was last seen. */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number, what: string, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last seen: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function json<T>(url: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, { method: init.method ?? 'GET', headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** The daemon's HTTP API, as Paymenter and an operator call it. */
export class DaemonApi {
  constructor(readonly url: string) {}

  call<T = Record<string, unknown>>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply<T>> {
    return json<T>(`${this.url}${path}`, { method, headers: { authorization: `Bearer ${API_TOKEN}` }, ...(body === undefined ? {} : { body }) });
  }

  async createSite(serviceId: string, email: string): Promise<Reply<{ vmid: number; private_ip: string; subdomain: string; state: string }>> {
    return this.call('POST', '/create-site', { service_id: serviceId, email, plan: 'basic', public_ip: '203.0.113.10' });
  }

  async status(serviceId: string): Promise<WireService> {
    const reply = await this.call<{ service: WireService }>('GET', `/status?service_id=${encodeURIComponent(serviceId)}`);
    if (reply.status !== 200) throw new Error(`GET /status?service_id=${serviceId} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body.service;
  }

  /**
   * Poll /status until the service is in `wanted`. A settled state that is not the one wanted
   * (`failed` when waiting for `active`, say) ends the wait at once, with the failure in the message.
   */
  async waitForState(serviceId: string, wanted: string, timeoutMs: number): Promise<WireService> {
    const settled = new Set(['active', 'suspended', 'failed', 'deleted']);
    const service = await poll(() => this.status(serviceId), (s) => s.state === wanted || settled.has(s.state), timeoutMs, `service ${serviceId} to be ${wanted}`);
    if (service.state !== wanted) {
      throw new Error(`service ${serviceId} settled in ${service.state} instead of ${wanted}: ${JSON.stringify(service.failure ?? service)}`);
    }
    return service;
  }
}

/** What a service leaves in the simulated systems: its container, site, DNS record, proxy hosts, certificates, zones. */
export interface Footprint {
  readonly vmid: number;
  readonly fqdn: string;
  readonly privateIp?: string;
  readonly customDomains?: readonly string[];
}

/** The sandbox seen from outside: control API plus the simulators' own APIs. */
export class SandboxProbe {
  private npmToken: string | undefined;

  constructor(readonly connection: SandboxConnection) {}

  private control<T>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    return json<T>(`${this.connection.control.url}${path}`, { method, ...(body === undefined ? {} : { body }) });
  }

  async injectFault(rule: FaultRule): Promise<void> {
    const reply = await this.control('POST', '/faults', rule);
    if (reply.status !== 201) throw new Error(`the control API refused ${JSON.stringify(rule)}: ${JSON.stringify(reply.body)}`);
  }

  async clearFaults(): Promise<void> {
    await this.control('DELETE', '/faults');
  }

  async counters(): Promise<Record<string, OperationCounters>> {
    return (await this.control<{ counters: Record<string, OperationCounters> }>('GET', '/counters')).body.counters;
  }

  async state(): Promise<SandboxState> {
    return (await this.control<SandboxState>('GET', '/state')).body;
  }

  async publishTxt(name: string, values: readonly string[]): Promise<void> {
    const reply = await this.control('PUT', `/dns/txt/${encodeURIComponent(name)}`, { values });
    if (reply.status !== 200) throw new Error(`publishing TXT ${name} answered ${reply.status}`);
  }

  /** HTTP status of `path` through the sandbox's reverse proxy (NPM's nginx) for `host`. */
  async throughProxy(host: string, path = '/wp-admin/install.php'): Promise<number> {
    const response = await request(`${this.connection.npm.proxyUrl}${path}`, { headers: { host } });
    await response.body.dump();
    return response.statusCode;
  }

  /** A GET on the Proxmox API with the daemon's token; the `data` of the answer. */
  async proxmox<T>(path: string): Promise<T> {
    const { tokenId, tokenSecret, url } = this.connection.proxmox;
    const reply = await json<{ data: T }>(`${url}${path}`, { headers: { authorization: `PVEAPIToken=${tokenId}=${tokenSecret}` } });
    if (reply.status !== 200) throw new Error(`Proxmox GET ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    return reply.body.data;
  }

  async haResources(): Promise<readonly { sid: string; state?: string }[]> {
    return this.proxmox('/cluster/ha/resources');
  }

  async haRules(): Promise<readonly { rule: string; resources?: string }[]> {
    return this.proxmox('/cluster/ha/rules');
  }

  async cloudflareRecords(): Promise<readonly { id?: string; name: string; type: string; content: string; comment?: string | null }[]> {
    const { baseUrl, zoneId, apiToken } = this.connection.cloudflare;
    const reply = await json<{ result: { id?: string; name: string; type: string; content: string; comment?: string | null }[] }>(`${baseUrl}/zones/${zoneId}/dns_records?per_page=5000`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    if (reply.status !== 200) throw new Error(`Cloudflare list answered ${reply.status}`);
    return reply.body.result;
  }

  async npmCertificates(): Promise<readonly { id: number; domain_names: readonly string[] }[]> {
    const list = () => json<{ id: number; domain_names: string[] }[]>(`${this.connection.npm.url}/nginx/certificates`, { headers: { authorization: `Bearer ${this.npmToken ?? ''}` } });
    let reply = this.npmToken === undefined ? undefined : await list();
    if (reply === undefined || reply.status !== 200) {
      const login = await json<{ token: string }>(`${this.connection.npm.url}/tokens`, {
        method: 'POST',
        body: { identity: this.connection.npm.email, secret: this.connection.npm.password },
      });
      this.npmToken = login.body.token;
      reply = await list();
    }
    if (reply.status !== 200) throw new Error(`NPM certificate list answered ${reply.status}`);
    return reply.body;
  }

  /**
   * Everything of `footprint` still present in any simulator, one line each; [] when the
   * service left nothing behind. Asserting `deepEqual(…, [])` names what is left over.
   */
  async leftovers(footprint: Footprint): Promise<string[]> {
    const { vmid, fqdn } = footprint;
    const names = [fqdn, ...(footprint.customDomains ?? [])].map((name) => name.toLowerCase());
    const sid = `ct:${vmid}`;
    const [state, resources, rules, records, certificates] = await Promise.all([
      this.state(),
      this.haResources(),
      this.haRules(),
      this.cloudflareRecords(),
      this.npmCertificates(),
    ]);
    const found: string[] = [];
    for (const c of state.containers.filter((c) => c.vmid === vmid)) found.push(`Proxmox container ${vmid} (${c.status} on ${c.node})`);
    for (const s of state.sites.filter((s) => s.vmid === vmid || s.ip === footprint.privateIp)) found.push(`a site server for CT ${s.vmid} on ${s.ip}`);
    for (const r of resources.filter((r) => r.sid === sid)) found.push(`HA resource ${r.sid}`);
    for (const r of rules.filter((r) => (r.resources ?? '').split(',').includes(sid))) found.push(`HA rule ${r.rule}`);
    for (const r of records.filter((r) => r.name.toLowerCase() === fqdn.toLowerCase())) found.push(`Cloudflare ${r.type} record ${r.name} → ${r.content}`);
    for (const h of state.proxyHosts.filter((h) => h.domain_names.some((d) => names.includes(d.toLowerCase())))) {
      found.push(`NPM proxy host ${h.id} for ${h.domain_names.join(',')}`);
    }
    for (const c of certificates.filter((c) => c.domain_names.some((d) => names.includes(d.toLowerCase())))) {
      found.push(`NPM certificate ${c.id} for ${c.domain_names.join(',')}`);
    }
    for (const z of state.zones.filter((z) => names.includes(z.origin.replace(/\.$/, '').toLowerCase()))) found.push(`ISPConfig zone ${z.origin}`);
    return found;
  }
}

export interface ProcessStack {
  readonly api: DaemonApi;
  readonly sandbox: SandboxProbe;
  readonly daemon: Started;
  /** The daemon's environment: what `provisiond reconcile` needs to see the same database and sandbox. */
  readonly env: Readonly<NodeJS.ProcessEnv>;
  /** SIGKILL both processes and remove the temp directory (database, connection file). */
  stop(): Promise<void>;
}

export interface ProcessStackOptions {
  /** Wall-clock seconds per model second of the sandbox's timing table. */
  readonly timeScale: number;
}

export interface SandboxProcess {
  readonly started: Started;
  readonly connection: SandboxConnection;
  /** The connection file, for the daemon's PROVISIOND_SANDBOX. */
  readonly file: string;
}

/**
 * `npm run sandbox` as a child process writing its connection file into `dir`; resolves once it
 * listens. The caller owns the child (kill it when done); on failure it is killed here.
 */
export async function startSandboxProcess(dir: string, options: ProcessStackOptions & { readonly seed?: number }): Promise<SandboxProcess> {
  const file = join(dir, 'sandbox.json');
  const sitePort = 20_000 + Math.floor(Math.random() * 20_000);
  const seed = options.seed === undefined ? [] : ['--seed', String(options.seed)];
  const started = startScript('src/sandbox/cli.ts', ['--out', file, '--time-scale', String(options.timeScale), '--site-port', String(sitePort), ...seed]);
  try {
    await started.line((l) => l.msg === 'sandbox listening');
    return { started, connection: JSON.parse(readFileSync(file, 'utf8')) as SandboxConnection, file };
  } catch (error) {
    started.child.kill('SIGKILL');
    await exited(started.child);
    throw error;
  }
}

/** The daemon's environment against a standalone sandbox: loopback, port 0, the e2e token. */
export function daemonEnvironment(dbPath: string, sandboxFile: string, logLevel = 'info'): NodeJS.ProcessEnv {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    PROVISIOND_DB: dbPath,
    PROVISIOND_SANDBOX: sandboxFile,
    PROVISIOND_API_TOKEN: API_TOKEN,
    PROVISIOND_CONFIG: '',
    // Tests poll far faster than a billing system calls; the limiter has its own tests.
    PROVISIOND_RATE_LIMIT: '0',
    LOG_LEVEL: logLevel,
  };
}

/** The base URL of a daemon child, from its "listening" line. */
export async function listeningUrl(daemon: Started): Promise<string> {
  const listening = await daemon.line((l) => l.msg === 'provisiond is listening');
  return `http://127.0.0.1:${(listening.address as { port: number }).port}`;
}

/** Sandbox process first (the daemon needs its connection file), then the daemon on port 0. */
export async function startProcessStack(options: ProcessStackOptions): Promise<ProcessStack> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-e2e-process-'));
  const children: Started[] = [];
  const stop = async (): Promise<void> => {
    for (const started of children) started.child.kill('SIGKILL');
    await Promise.all(children.map((started) => exited(started.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const sandbox = await startSandboxProcess(dir, options);
    children.push(sandbox.started);
    const env = daemonEnvironment(join(dir, 'provisiond.db'), sandbox.file);
    const daemon = startScript('src/main.ts', [], env);
    children.push(daemon);
    const url = await listeningUrl(daemon);
    return { api: new DaemonApi(url), sandbox: new SandboxProbe(sandbox.connection), daemon, env, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
