/**
 * Names and contents as Cloudflare reads them. A record name is stored as the lower-case
 * Punycode FQDN. A name that does not end in the zone is taken as relative and the zone is
 * appended — real behaviour: a client using the wrong zone id gets `www.a.com.b.com`, not an
 * error (NewFuture/DDNS#21) — and `@` is the apex.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/** Letters, digits, `-` and `_` (service labels such as `_acme-challenge`), 1–63 per label. */
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function ascii(name: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(name)) return name.toLowerCase();
  const converted = domainToASCII(name);
  return converted === '' ? undefined : converted.toLowerCase();
}

function validLabels(fqdn: string): boolean {
  if (fqdn.length === 0 || fqdn.length > 255) return false;
  const labels = fqdn.split('.');
  return labels.every((label, index) => (label === '*' && index === 0) || LABEL.test(label));
}

/** The FQDN a record `name` denotes in `zone`, or undefined when Cloudflare would answer 9000. */
export function recordFqdn(name: string, zone: string): string | undefined {
  const trimmed = name.trim().replace(/\.$/, '');
  if (trimmed === '') return undefined;
  if (trimmed === '@') return zone;
  const lower = ascii(trimmed);
  if (lower === undefined) return undefined;
  const fqdn = lower === zone || lower.endsWith(`.${zone}`) ? lower : `${lower}.${zone}`;
  return validLabels(fqdn) ? fqdn : undefined;
}

/** A CNAME target: a hostname (any zone), never an IP address. Trailing dot dropped. */
export function cnameTarget(content: string): string | undefined {
  const trimmed = content.trim().replace(/\.$/, '');
  if (trimmed === '' || isIPv4(trimmed) || isIPv6(trimmed)) return undefined;
  const lower = ascii(trimmed);
  if (lower === undefined || !lower.includes('.')) return undefined;
  return validLabels(lower) ? lower : undefined;
}

const PRIVATE_V4: readonly (readonly [number, number, number])[] = [
  // [first octet, second-octet low, second-octet high]
  [0, 0, 255], [10, 0, 255], [127, 0, 255], [169, 254, 254], [172, 16, 31], [192, 168, 168], [100, 64, 127],
];

/**
 * Cloudflare can only proxy A/AAAA/CNAME, and only to public addresses: a record pointing at
 * loopback or private space comes back `proxiable: false` (a real 2025 response for 127.0.0.8
 * does) and `proxied: true` is refused with 9004. Documentation ranges (203.0.113.0/24 …) are
 * proxiable, as the reference's example response shows.
 */
export function isProxiable(type: string, content: string): boolean {
  if (type === 'CNAME') return true;
  if (type === 'A') {
    const [a = 0, b = 0] = content.split('.').map(Number);
    if (a >= 224) return false;
    return !PRIVATE_V4.some(([first, low, high]) => a === first && b >= low && b <= high);
  }
  if (type === 'AAAA') {
    const lower = content.toLowerCase();
    if (lower === '::' || lower === '::1') return false;
    const first = Number.parseInt(lower.split(':')[0] || '0', 16);
    // fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast.
    return (first & 0xfe00) !== 0xfc00 && (first & 0xffc0) !== 0xfe80 && (first & 0xff00) !== 0xff00;
  }
  return false;
}

/**
 * TXT data as resolvers see it: quoted chunks joined, outer quotes dropped. Two records whose
 * data are equal this way are the same record, however each was quoted on write.
 */
export function txtData(content: string): string {
  const trimmed = content.trim();
  if (!/^(?:"(?:[^"\\]|\\.)*"\s*)+$/.test(trimmed)) return content;
  return (trimmed.match(/"(?:[^"\\]|\\.)*"/g) ?? []).map((chunk) => chunk.slice(1, -1)).join('');
}
