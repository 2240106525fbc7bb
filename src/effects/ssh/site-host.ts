/**
 * The site's host name, checked before it goes anywhere near a container. The installer
 * validates it again with the same rule (defence in depth: it also writes it into nginx and
 * PHP configuration); here a bad one is refused before any SSH traffic.
 */
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = new RegExp(`^(?:${LABEL}\\.)+${LABEL}$`);

/** The lower-cased host name, or undefined when it is not a plain DNS name. */
export function siteHost(fqdn: string): string | undefined {
  const host = fqdn.toLowerCase();
  if (host.length > 253 || !HOST.test(host) || !/[a-z]/.test(host)) return undefined;
  return host;
}

/** Service ids as the HTTP API admits them; the installer checks the same pattern. */
export const SERVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
