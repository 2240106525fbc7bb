/**
 * Subdomain rules (docs/architecture.md §3): derived from the e-mail's local part,
 * lower-case, only [a-z0-9-], 1–63 characters, never starting or ending with '-'.
 * A collision gets a random suffix; the caller supplies the randomness so this stays pure.
 */

export const MAX_LABEL = 63;
const SUFFIX_LENGTH = 4;
const FALLBACK = 'site';

/** True when `label` is a valid DNS label under our rules. */
export function isValidSubdomain(label: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(label);
}

/**
 * The base subdomain for an e-mail address: its local part (before any "+tag"),
 * accents folded, everything else outside [a-z0-9] turned into single dashes.
 */
export function subdomainBase(email: string): string {
  const at = email.lastIndexOf('@');
  const local = (at >= 0 ? email.slice(0, at) : email).split('+')[0] ?? '';
  const folded = local.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  const dashed = folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  // Leave room for "-xxxx" so a suffixed name still fits in one label.
  const trimmed = dashed.slice(0, MAX_LABEL - SUFFIX_LENGTH - 1).replace(/-+$/g, '');
  return trimmed === '' ? FALLBACK : trimmed;
}

/** `base` with a random suffix made from `random` (4 characters of [a-z0-9]). */
export function withSuffix(base: string, random: () => number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += alphabet[Math.floor(random() * alphabet.length)];
  return `${base}-${suffix}`;
}
