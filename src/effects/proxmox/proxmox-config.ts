/**
 * What the Proxmox effects need to know about the cluster, and the defaults that make a
 * minimal configuration work. Validation happens once, when the client is built, so a bad
 * URL or TLS setting fails at start-up instead of on the first provisioning.
 */
import { isIP } from 'node:net';
import { AppError } from '../../errors.js';

export interface ProxmoxConfig {
  /** `https://<node>:8006/api2/json`; plain http only for loopback hosts (the sandbox). */
  readonly url: string;
  /** `user@realm!tokenid`. */
  readonly tokenId: string;
  readonly tokenSecret: string;
  /** PEM file of the cluster CA (`/etc/pve/pve-root-ca.pem`) or of a custom CA. */
  readonly caFile?: string;
  /** SHA-256 fingerprint of the node certificate (`AA:BB:…` or plain hex) to pin. */
  readonly fingerprint?: string;
  /** Nodes containers may run on (HA rule or group members). */
  readonly nodes: readonly string[];
  /** Where new containers are created; default the first of `nodes`. */
  readonly homeNode?: string;
  /** vztmpl volume id, e.g. `local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst`. */
  readonly template: string;
  /** Storage for the root filesystem (`drbd`). */
  readonly storage: string;
  readonly bridge: string;
  readonly gateway: string;
  /** Prefix length of the private network, e.g. 24. */
  readonly cidr: number;
  readonly swapMb?: number;
  /** Requests in flight at once (Proxmox has no 429: it only slows down). Default 10. */
  readonly concurrency?: number;
  /** Per request: headers and body timeouts each. Default 30 s (pveproxy's own proxy limit). */
  readonly requestTimeoutMs?: number;
  /** How long a task (create, snapshot, start…) may run before the effect gives up. Default 10 min. */
  readonly taskTimeoutMs?: number;
  /** Pause between task and state polls. Default 1 s. */
  readonly pollIntervalMs?: number;
}

export interface ResolvedConfig extends ProxmoxConfig {
  readonly base: URL;
  readonly homeNode: string;
  readonly swapMb: number;
  readonly concurrency: number;
  readonly requestTimeoutMs: number;
  readonly taskTimeoutMs: number;
  readonly pollIntervalMs: number;
}

const invalid = (message: string, field: string): AppError => new AppError('CONFIG_INVALID', message, { system: 'proxmox', field });

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

export function resolveConfig(config: ProxmoxConfig): ResolvedConfig {
  let base: URL;
  try {
    base = new URL(config.url.replace(/\/+$/, ''));
  } catch {
    throw invalid('proxmox.url is not a valid URL', 'url');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw invalid('proxmox.url must be https://', 'url');
  if (base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
    throw invalid(`refusing plain http to ${base.hostname}: the API token would travel unencrypted; use https (http is allowed for loopback only)`, 'url');
  }
  if (config.fingerprint !== undefined && !/^[0-9a-f]{64}$/i.test(config.fingerprint.replace(/:/g, ''))) {
    throw invalid('proxmox.fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)', 'fingerprint');
  }
  const [first] = config.nodes;
  if (first === undefined) throw invalid('proxmox.nodes must name at least one node', 'nodes');
  const homeNode = config.homeNode ?? first;
  if (!config.nodes.includes(homeNode)) throw invalid(`proxmox.homeNode ${homeNode} is not one of proxmox.nodes`, 'homeNode');
  if (!config.tokenId.includes('!')) throw invalid('proxmox.tokenId must look like user@realm!tokenid', 'tokenId');
  return {
    ...config,
    base,
    homeNode,
    swapMb: config.swapMb ?? 512,
    concurrency: config.concurrency ?? 10,
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
    taskTimeoutMs: config.taskTimeoutMs ?? 600_000,
    pollIntervalMs: config.pollIntervalMs ?? 1000,
  };
}
