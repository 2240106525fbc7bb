/**
 * Composition of the infrastructure effects: one settings shape per system, built into the
 * effect functions the machines invoke (by the names in src/machines/effect-contracts.ts).
 * The sandbox produces these settings today (settingsFromSandbox); real configuration will
 * produce the same shape.
 */
import type { DomainEffectFunctions, ServiceEffectFunctions } from './actors/effect-actors.js';
import { readFileSync } from 'node:fs';
import { AppError } from './errors.js';
import { createCloudflareClient } from './effects/cloudflare/client.js';
import { createCloudflareEffects } from './effects/cloudflare/cloudflare.effects.js';
import { createIspconfigEffects, type IspconfigDeps } from './effects/ispconfig/ispconfig.effects.js';
import { createNpmEffects, type NpmEffectsDeps } from './effects/npm/npm.effects.js';
import { createOwnershipEffects, type OwnershipDeps } from './effects/ownership/ownership.effects.js';
import { createProxmoxClient } from './effects/proxmox/client.js';
import type { ProxmoxConfig } from './effects/proxmox/proxmox-config.js';
import { createProxmoxEffects, type ProxmoxEffects } from './effects/proxmox/proxmox.effects.js';
import { createSshClient, createSshEffects, type SshNodeTarget } from './effects/ssh/index.js';
import type { RealInfrastructure } from './infrastructure-config.js';
import { instrumentEffect, instrumentEffects, type EffectObserver } from './metrics/effect-timing.js';
import type { SandboxConnection } from './sandbox/sandbox.js';

export interface InfrastructureSettings {
  readonly proxmox: ProxmoxConfig;
  readonly cloudflare: { readonly apiToken: string; readonly zoneId: string; readonly baseUrl?: string; readonly requestsPer5Minutes?: number };
  readonly npm: NpmEffectsDeps;
  readonly ispconfig: IspconfigDeps;
  readonly ownership: OwnershipDeps;
  readonly ssh: { readonly nodes: Readonly<Record<string, SshNodeTarget>>; readonly privateKey: string; readonly perNodeConcurrency?: number };
  readonly installer?: { readonly wordpressUrl?: string };
}

export interface QueueState {
  readonly active: number;
  readonly pending: number;
}

export interface Infrastructure {
  readonly service: ServiceEffectFunctions;
  readonly domain: DomainEffectFunctions;
  /** Whether a VMID is free for a service on Proxmox (nobody's, or its own container). */
  readonly vmidFree: ProxmoxEffects['vmidFree'];
  /** Live status and usage of a service's container, null when it does not exist. */
  readonly readContainer: ProxmoxEffects['containerStatus'];
  /** Work running and waiting per system, for status. */
  queues(): Record<string, QueueState>;
  close(): Promise<void>;
}

export interface InfrastructureHooks {
  /** Each line an effect prints for a service (the installer's output). */
  readonly onOutput: (serviceId: string, line: string) => void;
  /** Hears every effect call: metrics, and graceful shutdown's count of calls in flight. */
  readonly observeEffect?: EffectObserver;
}

/** The system each effect talks to: the `system` label of the effect metrics. */
const SERVICE_EFFECT_SYSTEMS: Record<keyof Required<ServiceEffectFunctions>, string> = {
  createContainer: 'proxmox', registerHa: 'proxmox', takeSnapshot: 'proxmox', shutdownContainer: 'proxmox', stopContainer: 'proxmox',
  startContainer: 'proxmox', removeHa: 'proxmox', deleteSnapshots: 'proxmox', destroyContainer: 'proxmox', restoreSnapshot: 'proxmox',
  resizeContainer: 'proxmox', awaitReady: 'ssh', installWordPress: 'ssh', verifyInstall: 'ssh', reinstallWordPress: 'ssh',
  createDnsRecord: 'cloudflare', deleteDnsRecord: 'cloudflare', createProxyHost: 'npm', checkLive: 'npm', deleteProxyHost: 'npm',
  purgeDomains: 'npm+ispconfig',
};
const DOMAIN_EFFECT_SYSTEMS: Record<keyof Required<DomainEffectFunctions>, string> = {
  verifyOwnership: 'dns', createDnsZone: 'ispconfig', issueCertificate: 'npm', createDomainProxyHost: 'npm', removeDomain: 'npm+ispconfig',
};

export function buildInfrastructure(settings: InfrastructureSettings, hooks: InfrastructureHooks): Infrastructure {
  const proxmoxClient = createProxmoxClient(settings.proxmox);
  const proxmox = createProxmoxEffects({ config: settings.proxmox, client: proxmoxClient });
  const { apiToken, baseUrl, requestsPer5Minutes } = settings.cloudflare;
  const cloudflareClient = createCloudflareClient({
    apiToken,
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(requestsPer5Minutes === undefined ? {} : { budget: { requests: requestsPer5Minutes, windowMs: 300_000 } }),
  });
  const cloudflare = createCloudflareEffects({ zoneId: settings.cloudflare.zoneId, client: cloudflareClient });
  const npm = createNpmEffects(settings.npm);
  const ispconfig = createIspconfigEffects(settings.ispconfig);
  const ownership = createOwnershipEffects(settings.ownership);
  const sshClient = createSshClient({
    nodes: settings.ssh.nodes,
    privateKey: settings.ssh.privateKey,
    ...(settings.ssh.perNodeConcurrency === undefined ? {} : { perNodeConcurrency: settings.ssh.perNodeConcurrency }),
  });
  const ssh = createSshEffects({
    client: sshClient,
    // HA may have moved the container: ask Proxmox where it runs before each command.
    resolveNode: async (serviceId, vmid, signal) => {
      // The ownership check and the node, without a status read: SSH needs only where it runs.
      const node = await proxmox.containerNode({ serviceId, vmid }, signal);
      if (node === null) throw new AppError('NOT_READY', `container ${vmid} does not exist (yet)`, { retryable: true, system: 'proxmox' });
      return node;
    },
    onOutput: hooks.onOutput,
    ...(settings.installer?.wordpressUrl === undefined ? {} : { wordpressUrl: settings.installer.wordpressUrl }),
  });

  /** A custom domain leaves nothing behind: proxy host and certificate, then its DNS zone. */
  const removeDomain = async (input: { serviceId: string; domain: string }, signal: AbortSignal): Promise<void> => {
    await npm.removeDomainProxy(input, signal);
    await ispconfig.removeDnsZone(input, signal);
  };

  const observe = hooks.observeEffect;
  return {
    service: instrumentEffects<ServiceEffectFunctions>({
      createContainer: proxmox.createContainer,
      registerHa: proxmox.registerHa,
      awaitReady: ssh.awaitReady,
      installWordPress: ssh.installWordPress,
      verifyInstall: ssh.verifyInstall,
      createDnsRecord: cloudflare.createDnsRecord,
      createProxyHost: (input, signal) => npm.createProxyHost(input, signal),
      checkLive: (input, signal) => npm.checkLive(input, signal),
      takeSnapshot: proxmox.takeSnapshot,
      shutdownContainer: proxmox.shutdownContainer,
      stopContainer: proxmox.stopContainer,
      startContainer: proxmox.startContainer,
      removeHa: proxmox.removeHa,
      deleteSnapshots: proxmox.deleteSnapshots,
      destroyContainer: proxmox.destroyContainer,
      deleteDnsRecord: cloudflare.deleteDnsRecord,
      deleteProxyHost: (input, signal) => npm.deleteProxyHost(input, signal),
      purgeDomains: async ({ serviceId, domains }, signal) => {
        for (const domain of domains) await removeDomain({ serviceId, domain }, signal);
      },
      reinstallWordPress: ssh.reinstallWordPress,
      restoreSnapshot: proxmox.restoreSnapshot,
      resizeContainer: proxmox.resizeContainer,
    }, SERVICE_EFFECT_SYSTEMS, observe),
    domain: instrumentEffects<DomainEffectFunctions>({
      verifyOwnership: ownership.verifyOwnership,
      createDnsZone: ispconfig.createDnsZone,
      issueCertificate: (input, signal) => npm.issueCertificate(input, signal),
      createDomainProxyHost: (input, signal) => npm.createDomainProxyHost(input, signal),
      removeDomain,
    }, DOMAIN_EFFECT_SYSTEMS, observe),
    vmidFree: observe === undefined ? proxmox.vmidFree : instrumentEffect({ system: 'proxmox', operation: 'vmidFree' }, proxmox.vmidFree, observe),
    readContainer: observe === undefined ? proxmox.containerStatus : instrumentEffect({ system: 'proxmox', operation: 'containerStatus' }, proxmox.containerStatus, observe),
    queues: () => ({
      proxmox: proxmoxClient.queue(),
      cloudflare: cloudflareClient.queue(),
      npm: npm.queue(),
      ispconfig: ispconfig.queue(),
    }),
    close: async () => {
      await Promise.allSettled([proxmoxClient.close(), npm.close(), ispconfig.close(), sshClient.close()]);
    },
  };
}

/** The settings for real infrastructure: the file's settings, the environment's secrets, the SSH key file. */
export function settingsFromConfig({ file, secrets }: RealInfrastructure, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): InfrastructureSettings {
  let privateKey: string;
  try {
    privateKey = readFile(file.ssh.privateKeyFile);
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `infrastructure.ssh.privateKeyFile: cannot read ${file.ssh.privateKeyFile}: ${(error as Error).message}`, { field: 'infrastructure.ssh.privateKeyFile' });
  }
  const { proxmox, cloudflare, npm, ispconfig } = file;
  return {
    proxmox: { ...proxmox, tokenSecret: secrets.proxmoxTokenSecret },
    cloudflare: { ...cloudflare, apiToken: secrets.cloudflareApiToken },
    npm: { ...npm, password: secrets.npmPassword },
    ispconfig: { ...ispconfig, password: secrets.ispconfigPassword },
    ownership: { servers: file.dns.resolvers },
    ssh: { ...file.ssh, privateKey },
    ...(file.installer === undefined ? {} : { installer: file.installer }),
  };
}

/** The settings that drive a sandbox (in-process or standalone) like real infrastructure. */
export function settingsFromSandbox(connection: SandboxConnection): InfrastructureSettings {
  const gateway = connection.pools.privateIps.first.replace(/\.\d+$/, '.1');
  const sshTarget: SshNodeTarget = { host: connection.ssh.host, port: connection.ssh.port, username: connection.ssh.user, hostKeySha256: connection.ssh.hostKeySha256 };
  return {
    proxmox: {
      url: connection.proxmox.url,
      tokenId: connection.proxmox.tokenId,
      tokenSecret: connection.proxmox.tokenSecret,
      nodes: connection.proxmox.nodes,
      template: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst',
      storage: 'drbd',
      bridge: 'vmbr1',
      gateway,
      cidr: 24,
      // The sandbox's tasks take scaled seconds: poll often so time-to-live stays honest.
      pollIntervalMs: 20,
    },
    cloudflare: { apiToken: connection.cloudflare.apiToken, zoneId: connection.cloudflare.zoneId, baseUrl: connection.cloudflare.baseUrl },
    npm: { url: connection.npm.url, email: connection.npm.email, password: connection.npm.password, proxyUrl: connection.npm.proxyUrl, sitePort: connection.site.httpPort },
    ispconfig: {
      url: connection.ispconfig.url,
      username: connection.ispconfig.username,
      password: connection.ispconfig.password,
      serverId: 1,
      clientId: 0,
      ns: [`ns1.${connection.baseDomain}`, `ns2.${connection.baseDomain}`],
      mbox: `hostmaster.${connection.baseDomain}.`,
      // The ISPConfig simulator has no dns_ns_add yet; real panels need NS records (default on).
      nsRecords: false,
    },
    ownership: { servers: [`${connection.dns.host}:${connection.dns.port}`] },
    // The sandbox serves every node from one SSH endpoint.
    ssh: { nodes: Object.fromEntries(connection.proxmox.nodes.map((node) => [node, sshTarget])), privateKey: connection.ssh.privateKey },
  };
}
