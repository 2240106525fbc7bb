/**
 * The whole sandbox: every simulator listening on loopback, sharing one world (containers,
 * TXT records), one latency model and one fault table, plus the control API. It returns the
 * connection the daemon needs — addresses and the credentials generated for this run.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import ssh2 from 'ssh2';
import { createCloudflareSimulator } from './cloudflare/cloudflare.simulator.js';
import { createControlApi } from './control.js';
import { Faults } from './core/faults.js';
import { DEFAULT_TIME_SCALE, Latency } from './core/timing.js';
import { World } from './core/world.js';
import { createDnsServer } from './dns/dns-server.js';
import { createIspconfigSimulator } from './ispconfig/ispconfig-simulator.js';
import { createNpmSimulator } from './npm/npm-simulator.js';
import { createProxmoxSimulator } from './proxmox/proxmox-simulator.js';
import { createSiteServers } from './sites/site-servers.js';
import { createNodeSsh } from './ssh/node-ssh.js';
import { generateEd25519KeyPair } from './ssh/key-pair.js';

export interface SandboxOptions {
  /** Wall-clock seconds per model second of the timing table; 0 = instant. */
  readonly timeScale?: number;
  /** Seed of the fault generator, for replayable faulty runs. */
  readonly seed?: number;
  readonly host?: string;
  /** Fixed ports (0 or absent: any free port). */
  readonly ports?: Partial<Record<SandboxPort, number>>;
  /** The port every simulated container serves its site on. */
  readonly sitePort?: number;
  /** Loopback range the daemon should allocate container IPs from. */
  readonly privateIps?: { readonly first: string; readonly last: string };
  /** The Cloudflare zone sites are created in, and the daemon's base domain. */
  readonly zone?: string;
  /** Where a simulated site server reports a failure to serve (default: stderr). */
  readonly onSiteError?: (error: Error, vmid: number) => void;
}

export type SandboxPort = 'proxmox' | 'cloudflare' | 'npm' | 'proxy' | 'ispconfig' | 'ssh' | 'dns' | 'control';

/** Everything a daemon needs to use this sandbox. Holds secrets: never log it whole. */
export interface SandboxConnection {
  readonly baseDomain: string;
  readonly pools: { readonly privateIps: { readonly first: string; readonly last: string } };
  readonly proxmox: { readonly url: string; readonly tokenId: string; readonly tokenSecret: string; readonly nodes: readonly string[] };
  readonly cloudflare: { readonly baseUrl: string; readonly apiToken: string; readonly zoneId: string; readonly zoneName: string };
  readonly npm: { readonly url: string; readonly email: string; readonly password: string; readonly proxyUrl: string };
  readonly ispconfig: { readonly url: string; readonly username: string; readonly password: string };
  readonly ssh: { readonly host: string; readonly port: number; readonly user: string; readonly privateKey: string; readonly hostKeySha256: string };
  readonly dns: { readonly host: string; readonly port: number };
  readonly site: { readonly httpPort: number };
  readonly control: { readonly url: string };
}

export interface Sandbox {
  readonly connection: SandboxConnection;
  readonly world: World;
  readonly faults: Faults;
  readonly latency: Latency;
  /** Where each simulator listens (no secrets), for logs. */
  readonly addresses: Readonly<Record<SandboxPort, string>>;
  close(): Promise<void>;
}

export const SANDBOX_DEFAULTS = {
  host: '127.0.0.1',
  sitePort: 18080,
  privateIps: { first: '127.42.0.100', last: '127.42.0.253' },
  zone: 'sandbox.test',
  nodes: ['node1', 'node2'],
} as const;

const secret = (): string => randomBytes(24).toString('base64url');

/** `SHA256:<base64>` of an OpenSSH public key, as `ssh-keygen -l` prints it. */
export function sha256Fingerprint(publicKey: string): string {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined) throw new Error('no key in the public key text');
  return `SHA256:${createHash('sha256').update(key.getPublicSSH()).digest('base64').replace(/=+$/, '')}`;
}

export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? SANDBOX_DEFAULTS.host;
  const ports = options.ports ?? {};
  const world = new World();
  const faults = new Faults(options.seed ?? 1);
  const latency = new Latency(options.timeScale ?? DEFAULT_TIME_SCALE);
  const zoneName = options.zone ?? SANDBOX_DEFAULTS.zone;
  const sitePort = options.sitePort ?? SANDBOX_DEFAULTS.sitePort;

  const proxmoxToken = { id: 'provisiond@pve!daemon', secret: randomUUID() };
  const cloudflareToken = secret();
  const zone = { id: randomBytes(16).toString('hex'), name: zoneName };
  const npmIdentity = { email: 'admin@sandbox.test', secret: secret() };
  const ispUser = { username: 'provisiond', password: secret() };
  const clientKey = generateEd25519KeyPair();
  const hostKey = generateEd25519KeyPair();

  const closers: (() => Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => undefined);
  };
  try {
    const listenApp = async (app: FastifyInstance, port: SandboxPort): Promise<string> => {
      await app.listen({ host, port: ports[port] ?? 0 });
      closers.push(() => app.close());
      return `http://${host}:${(app.server.address() as AddressInfo).port}`;
    };
    const listenServer = (server: Server, port: SandboxPort): Promise<string> =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(ports[port] ?? 0, host, () => {
          closers.push(() => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }));
          resolve(`http://${host}:${(server.address() as AddressInfo).port}`);
        });
      });

    const sites = createSiteServers({ world, port: sitePort, ...(options.onSiteError === undefined ? {} : { onError: options.onSiteError }) });
    closers.push(() => sites.close());
    const proxmox = createProxmoxSimulator({ world, faults, latency, tokens: [proxmoxToken], nodes: SANDBOX_DEFAULTS.nodes });
    const cloudflare = createCloudflareSimulator({ faults, latency, tokens: [cloudflareToken], zones: [zone] });
    const npm = createNpmSimulator({ faults, latency, identity: npmIdentity });
    const ispconfig = createIspconfigSimulator({ faults, latency, users: [ispUser] });
    const dns = createDnsServer({ world, faults });
    const ssh = createNodeSsh({ world, faults, latency, hostKey: hostKey.private, authorizedKeys: [clientKey.public] });
    const control = createControlApi({
      faults,
      world,
      expireNpmTokens: () => npm.expireTokens(),
      expireIspconfigSessions: () => ispconfig.expireSessions(),
      state: () => ({ proxyHosts: npm.hosts(), zones: ispconfig.zones(), sites: sites.serving(), sshByNode: ssh.nodeCounts() }),
    });

    const addresses = {
      proxmox: await listenApp(proxmox, 'proxmox'),
      cloudflare: await listenApp(cloudflare, 'cloudflare'),
      npm: await listenApp(npm.api, 'npm'),
      proxy: await listenServer(npm.proxy, 'proxy'),
      ispconfig: await listenApp(ispconfig.app, 'ispconfig'),
      control: await listenApp(control, 'control'),
      ssh: '',
      dns: '',
    };
    const sshAddress = await ssh.listen(ports.ssh ?? 0, host);
    closers.push(() => ssh.close());
    const dnsAddress = await dns.listen(ports.dns ?? 0, host);
    closers.push(() => dns.close());
    addresses.ssh = `ssh://root@${sshAddress.host}:${sshAddress.port}`;
    addresses.dns = `udp://${dnsAddress.host}:${dnsAddress.port}`;

    const connection: SandboxConnection = {
      baseDomain: zoneName,
      pools: { privateIps: options.privateIps ?? SANDBOX_DEFAULTS.privateIps },
      proxmox: { url: `${addresses.proxmox}/api2/json`, tokenId: proxmoxToken.id, tokenSecret: proxmoxToken.secret, nodes: SANDBOX_DEFAULTS.nodes },
      cloudflare: { baseUrl: `${addresses.cloudflare}/client/v4`, apiToken: cloudflareToken, zoneId: zone.id, zoneName },
      npm: { url: `${addresses.npm}/api`, email: npmIdentity.email, password: npmIdentity.secret, proxyUrl: addresses.proxy },
      ispconfig: { url: `${addresses.ispconfig}/remote/json.php`, username: ispUser.username, password: ispUser.password },
      ssh: { host: sshAddress.host, port: sshAddress.port, user: 'root', privateKey: clientKey.private, hostKeySha256: sha256Fingerprint(hostKey.public) },
      dns: dnsAddress,
      site: { httpPort: sitePort },
      control: { url: addresses.control },
    };
    return { connection, world, faults, latency, addresses, close };
  } catch (error) {
    await close();
    throw error;
  }
}
