/** Dotted-quad IPv4 helpers for the private address pool. Pure: no sockets involved. */

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

export function ipv4ToInt(text: string): number {
  if (!isIPv4(text)) throw new RangeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  return text.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function intToIpv4(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`not an IPv4 integer: ${value}`);
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}
