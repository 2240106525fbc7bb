/**
 * Disk sizes the way pve-common's JSONSchema.pm reads and writes them: `parse_size` takes a
 * number with an optional K/M/G/T suffix (powers of 1024; no suffix means bytes) and
 * truncates to whole bytes; `format_size` writes the largest unit that divides the size
 * exactly (`12G`, `1T`, `1536M`, or plain bytes).
 */
const UNITS: readonly (readonly [suffix: string, bytes: number])[] = [['T', 2 ** 40], ['G', 2 ** 30], ['M', 2 ** 20], ['K', 2 ** 10]];

export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text);
  if (m === null) return undefined;
  const unit = UNITS.find(([suffix]) => suffix === m[2])?.[1] ?? 1;
  return Math.trunc(Number(m[1]) * unit);
}

export function formatSize(bytes: number): string {
  const size = Math.trunc(bytes);
  for (const [suffix, unit] of UNITS) if (size >= unit && size % unit === 0) return `${size / unit}${suffix}`;
  return String(size);
}
