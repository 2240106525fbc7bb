/**
 * Sizes as PVE writes them in a mount point's `size=` option (pve-common JSONSchema
 * parse_size / format_size): a number with an optional K, M, G or T suffix in powers of
 * 1024. A bare number is bytes, not GiB: format_size writes `size=10737418240` for a size
 * that is no whole KiB.
 */
const UNITS: Readonly<Record<string, number>> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export const GIB = 2 ** 30;

/** Bytes of a size string, or undefined when it is not one. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text.trim());
  if (m === null) return undefined;
  return Math.trunc(Number(m[1]) * (UNITS[m[2] ?? ''] ?? 1));
}

/** Bytes of a mount point's `size=` option (`drbd:vm-907-disk-0,size=20G`); undefined when it has none. */
export function volumeBytes(volume: unknown): number | undefined {
  if (typeof volume !== 'string') return undefined;
  for (const part of volume.split(',')) {
    const [key, value] = part.split('=', 2);
    if (key === 'size' && value !== undefined) return parseSize(value);
  }
  return undefined;
}
