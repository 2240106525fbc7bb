/**
 * The named `format` verifiers of pve-common's JSONSchema.pm (and the ones pve-container,
 * pve-storage and pve-ha-manager register) that the served endpoints use. Each returns the
 * verifier's die text, which the validator reports as `invalid format - <text>`, or
 * undefined when the value is fine.
 */
import { isIPv4, isIPv6 } from 'node:net';

type Verifier = (value: string) => string | undefined;

const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
const DNS_NAME = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
const CONFIG_ID = /^[a-z][a-z0-9_-]+$/i;
const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const TAG = /^[a-z0-9_][a-z0-9_\-+.]*$/i;
const CONTENT_TYPES = new Set(['images', 'rootdir', 'vztmpl', 'iso', 'backup', 'snippets', 'import']);

const list = (value: string): string[] => value.split(/[;,\s]+/).filter((s) => s !== '');

function cidr(value: string, isAddress: (a: string) => boolean, maxPrefix: number): boolean {
  const [address = '', prefix, extra] = value.split('/');
  if (extra !== undefined || prefix === undefined || !/^\d+$/.test(prefix)) return false;
  return isAddress(address) && Number(prefix) <= maxPrefix;
}

const verifiers: Readonly<Record<string, Verifier>> = {
  'pve-vmid': (v) => (/^\d+$/.test(v) ? undefined : 'value does not look like a valid VM ID'),
  'pve-node': (v) => (DNS_NAME.test(v) && !v.includes('.') ? undefined : 'value does not look like a valid node name'),
  'dns-name': (v) => (DNS_NAME.test(v) ? undefined : 'value does not look like a valid DNS name'),
  'dns-name-list': (v) => (list(v).every((n) => DNS_NAME.test(n)) ? undefined : 'value does not look like a valid DNS name'),
  'pve-configid': (v) => (CONFIG_ID.test(v) ? undefined : `invalid configuration ID '${v}'`),
  'pve-configid-list': (v) => list(v).map((id) => (CONFIG_ID.test(id) ? undefined : `invalid configuration ID '${id}'`)).find((e) => e !== undefined),
  'pve-storage-id': (v) => (STORAGE_ID.test(v) ? undefined : `storage ID '${v}' contains illegal characters`),
  'pve-volume-id': (v) => (/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i.test(v) ? undefined : `unable to parse volume ID '${v}'`),
  'pve-storage-content': (v) => (CONTENT_TYPES.has(v) ? undefined : `invalid content type '${v}'`),
  'pve-storage-content-list': (v) => list(v).map((c) => (CONTENT_TYPES.has(c) ? undefined : `invalid content type '${c}'`)).find((e) => e !== undefined),
  'pve-tag-list': (v) => list(v).map((t) => (TAG.test(t) ? undefined : `invalid tag '${t}'`)).find((e) => e !== undefined),
  'pve-poolid': (v) => (/^[A-Za-z0-9_\-/]+$/.test(v) ? undefined : `pool name '${v}' contains invalid characters`),
  'ipv4': (v) => (isIPv4(v) ? undefined : 'value does not look like a valid IPv4 address'),
  'ipv6': (v) => (isIPv6(v) ? undefined : 'value does not look like a valid IPv6 address'),
  'pve-ipv4-config': (v) =>
    v === 'dhcp' || v === 'manual' || cidr(v, isIPv4, 32) ? undefined : 'value does not look like a valid ipv4 network configuration',
  'pve-ipv6-config': (v) =>
    ['auto', 'dhcp', 'manual'].includes(v) || cidr(v, isIPv6, 128) ? undefined : 'value does not look like a valid ipv6 network configuration',
  'lxc-ip-with-ll-iface-list': (v) =>
    list(v).every((a) => isIPv4(a) || isIPv6(a.replace(/%[-_.\w]+$/, ''))) ? undefined : `unable to parse IP address '${v}'`,
  'mac-addr': (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? undefined : 'value does not look like a valid unicast MAC address',
  'disk-size': (v) => (/^\d+(?:\.\d+)?[KMGT]?$/.test(v) ? undefined : `unable to parse size '${v}'`),
  'pve-lxc-mp-string': (v) => (v !== '' && !/(?:^|\/)\.\.?(?:\/|$)/.test(v) ? undefined : 'invalid path with dots'),
  'pve-lxc-dev-string': (v) => (/^\/dev\/\S+$/.test(v) ? undefined : `invalid device path '${v}'`),
  'pve-ct-timezone': (v) => (v === 'host' || /^[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)*$/.test(v) ? undefined : `invalid time zone '${v}'`),
  'pve-startup-order': (v) =>
    /^(?:(?:order=)?\d+)?(?:,?(?:up|down)=\d+)*$/.test(v) ? undefined : 'value does not look like a valid startup order',
  'pve-task-status-type-list': (v) =>
    list(v).every((s) => ['ok', 'error', 'warning', 'unknown'].includes(s)) ? undefined : `invalid status type '${v}'`,
  'pve-ha-resource-or-vm-id': (v) => (/^(?:(?:vm|ct):)?\d+$/.test(v) ? undefined : 'value does not look like a valid ha resource id'),
  'pve-ha-resource-id-list': (v) =>
    list(v).every((s) => /^(?:vm|ct):\d+$/.test(s)) ? undefined : 'value does not look like a valid ha resource id',
  'pve-ha-node-list': (v) =>
    list(v).every((n) => /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?::\d+)?$/.test(n)) ? undefined : 'value does not look like a valid ha node list',
};

/** The die text of the named verifier, or undefined; unknown names pass (as PVE's do not exist). */
export function verifyFormat(format: string, value: string): string | undefined {
  return verifiers[format]?.(value);
}

/** Split a `;`/`,`/space separated list the way PVE::Tools::split_list does. */
export function splitList(value: string): string[] {
  return list(value);
}
