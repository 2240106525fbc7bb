/**
 * Container configuration as pve-container writes it: create parameters become config keys
 * (`rootfs: drbd:20` allocates `drbd:vm-907-disk-0,size=20G`, `net0` gains `hwaddr` and
 * `type=veth`, `unprivileged` defaults to 1), secrets (`password`, `ssh-public-keys`) are used
 * and never stored, and the root-only rules for API tokens apply (features other than
 * `nesting`, hookscripts, device passthrough, bind mounts).
 */
import type { CtConfig, Cluster } from './cluster-state.js';
import { formatSize, parseSize } from './disk-sizes.js';
import type { Params, ParamValue } from './param-validator.js';
import { paramError, permError, pveDie } from './pve-errors.js';
import { splitList } from './pve-formats.js';
import { endpoint, type PveProperty } from './pve-schema.js';
import { parsePropertyString, printPropertyString, type PropertyFormat } from './property-string.js';

/** Create parameters that steer the creation and are not config keys. */
const NOT_STORED = new Set([
  'node', 'vmid', 'ostemplate', 'password', 'ssh-public-keys', 'storage', 'start', 'pool', 'force', 'restore',
  'unique', 'ignore-unpack-errors', 'bwlimit', 'ha-managed', 'lock',
]);

const createSchema = endpoint('POST', '/nodes/{node}/lxc').parameters;

function propertyFormat(name: string): PropertyFormat | undefined {
  const family = name.replace(/\d+$/, '[n]');
  const prop: PveProperty | undefined = createSchema.properties?.[name] ?? createSchema.properties?.[family];
  return prop === undefined || typeof prop.format !== 'object' ? undefined : prop.format;
}

function formatOf(name: string): PropertyFormat {
  const format = propertyFormat(name);
  if (format === undefined) throw new Error(`${name} is not a property string`);
  return format;
}

/** How a plain value is written to the config: property strings re-printed (`nesting=true` → `nesting=1`). */
function configValue(key: string, value: ParamValue): string | number {
  if (typeof value === 'boolean') return value ? 1 : 0;
  const format = propertyFormat(key);
  return format === undefined ? value : printPropertyString(format, parsePropertyString(format, String(value)));
}

/** The IPv4 address of a `net[n]` value without its prefix; null for dhcp, manual or none. */
export function ipOf(net: string | number | undefined): string | null {
  if (typeof net !== 'string') return null;
  const ip = parsePropertyString(formatOf('net0'), net).ip;
  return ip === undefined || !ip.includes('/') ? null : (ip.split('/', 1)[0] ?? null);
}

export function bridgeOf(net: string): string | undefined {
  return parsePropertyString(formatOf('net0'), net).bridge;
}

/** Size in bytes of a mount point (`rootfs`, `mp[n]`), from its `size=` option; undefined without one. */
export function volumeBytes(config: CtConfig, key: string): number | undefined {
  const value = config[key];
  if (value === undefined) return undefined;
  const text = String(value);
  const memo = `${key}\u0000${text}`;
  if (sizeMemo.has(memo)) return sizeMemo.get(memo);
  const size = parsePropertyString(formatOf(key), text).size;
  const bytes = size === undefined ? undefined : parseSize(size);
  // Bounded: a long chaos run writes many distinct values; starting over costs one parse each.
  if (sizeMemo.size >= SIZE_MEMO_LIMIT) sizeMemo.clear();
  sizeMemo.set(memo, bytes);
  return bytes;
}

/**
 * Sizes by mount-point value: the value is all they depend on. Every CT in /cluster/resources
 * and every status read derives its disk size from its rootfs; parsing that property string
 * each time was 4.9 s of the 13.1 s the sandbox spent building /cluster/resources while 200
 * provisions ran (CPU profile, figure 3), where PVE answers the listing from memory.
 */
const sizeMemo = new Map<string, number | undefined>();
const SIZE_MEMO_LIMIT = 10_000;

/** Size of the rootfs in bytes (0 when the config says none). */
export function rootfsBytes(config: CtConfig): number {
  return volumeBytes(config, 'rootfs') ?? 0;
}

/** The mount point's value with `size=` set, printed as PVE writes it after a resize. */
export function withVolumeSize(config: CtConfig, key: string, bytes: number): string {
  const format = formatOf(key);
  const parsed = parsePropertyString(format, String(config[key] ?? ''));
  parsed.size = formatSize(bytes);
  return printPropertyString(format, parsed);
}

/** Proxmox's own OUI (BC:24:11), the rest derived from vmid and index so configs are stable. */
function macFor(vmid: number, index: number): string {
  const n = (vmid * 37 + index * 101) % 0xffffff;
  const bytes = [n >> 16, (n >> 8) & 0xff, n & 0xff].map((b) => b.toString(16).toUpperCase().padStart(2, '0'));
  return `BC:24:11:${bytes.join(':')}`;
}

function normaliseNet(name: string, value: string, vmid: number): string {
  const format = formatOf(name);
  const parsed = parsePropertyString(format, value);
  parsed.hwaddr ??= macFor(vmid, Number(name.slice(3)));
  parsed.type ??= 'veth';
  return printPropertyString(format, parsed);
}

/** PVE keeps tags unique and sorted (the default datacenter `tag-style`). */
export function normaliseTags(tags: string): string {
  const seen = new Map<string, string>();
  for (const tag of splitList(tags)) if (!seen.has(tag.toLowerCase())) seen.set(tag.toLowerCase(), tag);
  return [...seen.values()].sort((a, b) => a.localeCompare(b)).join(';');
}

/** check_ct_modify_config_perm for a token (never root@pam). */
export function checkTokenMayModify(key: string, value: ParamValue, unprivileged: boolean): void {
  if (key === 'features') {
    if (!unprivileged) throw permError('changing feature flags for privileged container is only allowed for root@pam');
    const flags = parsePropertyString(formatOf('features'), String(value));
    if (Object.entries(flags).some(([flag, on]) => flag !== 'nesting' && on !== '0')) {
      throw permError('changing feature flags (except nesting) is only allowed for root@pam');
    }
  }
  if (key === 'hookscript') throw permError('hookscripts are only allowed for root@pam');
  if (/^dev\d+$/.test(key)) throw permError('configuring device passthrough is only allowed for root@pam');
  if (/^mp\d+$/.test(key) && String(value).split(',', 1)[0]?.startsWith('/')) throw permError('Only root can pass arbitrary filesystem paths.');
}

/** `STORAGE:SIZE` allocates a new volume; the storage must take container directories. */
function allocateVolume(cluster: Cluster, vmid: number, key: string, value: string, disk: number): string {
  const format = formatOf(key);
  const parsed = parsePropertyString(format, value);
  const volume = parsed.volume ?? '';
  const m = /^([a-z][a-z0-9\-_.]*[a-z0-9]):(\d+(?:\.\d+)?)$/i.exec(volume);
  if (m === null) throw pveDie(`unable to parse volume ID '${volume}'`);
  const [, storageId = '', size = ''] = m;
  const storage = cluster.storage(storageId);
  if (!storage.content.includes('rootdir')) throw pveDie(`storage '${storageId}' does not support container directories`);
  parsed.volume = `${storageId}:vm-${vmid}-disk-${disk}`;
  parsed.size = `${Number(size)}G`;
  return printPropertyString(format, parsed);
}

/** The template must be a vztmpl volume the storage holds (`local` exists on every node here). */
function checkTemplate(cluster: Cluster, volid: string): string {
  const m = /^([^:]+):vztmpl\/(.+)$/.exec(volid);
  if (m === null) throw pveDie(`unable to parse volume ID '${volid}'`);
  const storage = cluster.storage(m[1] ?? '');
  if (!storage.content.includes('vztmpl') || !(storage.volumes ?? []).includes(volid)) {
    throw pveDie(`volume '${volid}' does not exist`);
  }
  const name = m[2] ?? '';
  return ['debian', 'ubuntu', 'centos', 'fedora', 'alpine', 'archlinux', 'devuan', 'opensuse', 'gentoo'].find((os) => name.startsWith(os)) ?? 'unmanaged';
}

/** What the create call checks synchronously, and the config it writes. */
export function buildCreateConfig(cluster: Cluster, params: Params): CtConfig {
  const vmid = Number(params.vmid);
  const ostype = checkTemplate(cluster, String(params.ostemplate));
  const unprivileged = params.unprivileged ?? true; // create defaults to 1 although the schema says 0
  const keys = params['ssh-public-keys'];
  if (typeof keys === 'string' && !keys.split('\n').every((l) => l.trim() === '' || /^(?:ssh-|ecdsa-|sk-)\S+ \S+/.test(l.trim()))) {
    throw pveDie('SSH public key validation error');
  }
  const config: CtConfig = { arch: 'amd64', hostname: `CT${vmid}`, memory: 512, swap: 512, ostype };
  let disk = 0;
  config.rootfs = allocateVolume(cluster, vmid, 'rootfs', String(params.rootfs ?? `${String(params.storage ?? 'local')}:4`), disk++);
  for (const [key, value] of Object.entries(params)) {
    if (NOT_STORED.has(key) || key === 'rootfs') continue;
    checkTokenMayModify(key, value, unprivileged === true);
    if (/^net\d+$/.test(key)) config[key] = normaliseNet(key, String(value), vmid);
    else if (/^mp\d+$/.test(key)) config[key] = allocateVolume(cluster, vmid, key, String(value), disk++);
    else if (key === 'tags') config.tags = normaliseTags(String(value));
    else config[key] = configValue(key, value);
  }
  config.unprivileged = unprivileged === true ? 1 : 0;
  return config;
}

/** PUT …/config: set and delete keys; the caller has checked digest and lock. */
export function applyConfigUpdate(config: CtConfig, vmid: number, params: Params): CtConfig {
  const deletions = typeof params.delete === 'string' ? splitList(params.delete) : [];
  const next: CtConfig = Object.fromEntries(Object.entries(config).filter(([key]) => !deletions.includes(key)));
  const sets = Object.entries(params).filter(([k]) => !['node', 'vmid', 'digest', 'delete', 'revert'].includes(k));
  if (sets.length === 0 && deletions.length === 0) throw pveDie('no options specified');
  const both = deletions.find((k) => params[k] !== undefined);
  if (both !== undefined) throw paramError({ delete: `you can't use '-${both}' and '-delete ${both}' at the same time` });
  for (const key of deletions) {
    if (key === 'rootfs') throw pveDie(`unable to delete required option '${key}'`);
    checkTokenMayModify(key, '', config.unprivileged === 1);
  }
  for (const [key, value] of sets) {
    if (key === 'rootfs' || /^mp\d+$/.test(key)) throw pveDie(`unable to modify read-only option: '${key}'`);
    checkTokenMayModify(key, value, config.unprivileged === 1);
    if (/^net\d+$/.test(key)) next[key] = normaliseNet(key, String(value), vmid);
    else if (key === 'tags') next.tags = normaliseTags(String(value));
    else next[key] = configValue(key, value);
  }
  return next;
}
