/**
 * The SSH effects against the sandbox's node SSH endpoint on loopback: a world with
 * containers, the simulator with fresh keys, optional site servers, and clients/effects
 * wired the way the composition root will wire them (node resolved from the world, as the
 * Proxmox effect would).
 */
import ssh2 from 'ssh2';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { World, type WorldContainer } from '../../src/sandbox/core/world.js';
import { createSiteServers, type SiteServers } from '../../src/sandbox/sites/site-servers.js';
import { createNodeSsh, type NodeSsh } from '../../src/sandbox/ssh/node-ssh.js';
import { sha256Fingerprint } from '../../src/effects/ssh/host-key.js';
import { createSshClient, type SshClient, type SshClientConfig } from '../../src/effects/ssh/ssh-client.js';
import { createSshEffects, type SshEffectsDeps } from '../../src/effects/ssh/ssh.effects.js';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';

export const NODES = ['node1', 'node2'] as const;

export interface Harness {
  readonly world: World;
  readonly faults: Faults;
  readonly ssh: NodeSsh;
  readonly port: number;
  readonly clientKey: { readonly private: string; readonly public: string };
  readonly hostKeySha256: string;
  /** A running (or stopped) CT on a loopback address of its own. */
  addContainer(vmid: number, node: string, status?: 'running' | 'stopped'): WorldContainer;
  client(overrides?: Partial<SshClientConfig>): SshClient;
  effects(client: SshClient, overrides?: Partial<SshEffectsDeps>): ReturnType<typeof createSshEffects>;
  serveSites(): SiteServers & { readonly port: number };
  close(): Promise<void>;
}

export function fingerprintOf(publicKey: string): string {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined) throw new Error('no key');
  return sha256Fingerprint(key.getPublicSSH());
}

/** A random loopback /16 per harness, so parallel test files never share an address. */
const ipBase = (): string => `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250) + 1}`;

export async function startHarness(options: { timeScale?: number } = {}): Promise<Harness> {
  const world = new World();
  const faults = new Faults();
  const clientKey = generateEd25519KeyPair();
  const hostKey = generateEd25519KeyPair();
  const ssh = createNodeSsh({ world, faults, latency: new Latency(options.timeScale ?? 0), hostKey: hostKey.private, authorizedKeys: [clientKey.public] });
  const { port } = await ssh.listen(0);
  const hostKeySha256 = fingerprintOf(hostKey.public);
  const base = ipBase();
  const clients: SshClient[] = [];
  const siteServers: SiteServers[] = [];

  return {
    world, faults, ssh, port, clientKey, hostKeySha256,
    addContainer(vmid, node, status = 'running') {
      const ct: WorldContainer = { vmid, node, status, ip: `${base}.${(vmid % 250) + 1}`, hostname: `ct${vmid}`, files: new Map() };
      world.containers.set(vmid, ct);
      world.containerChanged(vmid);
      return ct;
    },
    client(overrides = {}) {
      const target = { host: '127.0.0.1', port, hostKeySha256 };
      const client = createSshClient({
        nodes: Object.fromEntries(NODES.map((node) => [node, target])),
        privateKey: clientKey.private,
        readyTimeoutMs: 5_000,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    effects(client, overrides = {}) {
      return createSshEffects({
        client,
        resolveNode: async (_serviceId, vmid) => world.containers.get(vmid)?.node ?? 'node1',
        ...overrides,
      });
    },
    serveSites() {
      const sitePort = 20_000 + Math.floor(Math.random() * 30_000);
      const sites = createSiteServers({ world, port: sitePort, onError: () => undefined });
      siteServers.push(sites);
      return Object.assign(sites, { port: sitePort });
    },
    async close() {
      for (const client of clients) client.close();
      for (const sites of siteServers) await sites.close();
      await ssh.close();
    },
  };
}

/** Assert-friendly view of a rejection: the fields guards read. */
export async function failureOf(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean; system: string | undefined; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { code: string; retryable: boolean; system?: string; message: string; details?: unknown };
    return { code: e.code, retryable: e.retryable, system: e.system, message: e.message, ...(e.details === undefined ? {} : { details: e.details }) };
  }
  throw new Error('expected a rejection');
}
