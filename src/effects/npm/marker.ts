/**
 * Where a proxy host says it is ours. NPM has no comment field; two places survive:
 *
 * - `meta` is a free-form object on proxy hosts (the schema says `type: object`, nothing
 *   more), kept by the API and merged with `nginx_online`/`nginx_err` by NPM itself. The UI
 *   does not show it, and an edit in the UI may rewrite it.
 * - `advanced_config` is free text that the UI shows and keeps on edits; a first line
 *   `# provisiond:<serviceId>` is an nginx comment and changes nothing.
 *
 * We write both and accept either as proof. Certificates have no such place (their `meta` is
 * closed, and `nice_name` is overwritten for Let's Encrypt): a certificate counts as ours when it
 * is a Let's Encrypt certificate for exactly the domain we manage (see certificates.ts).
 */
import type { ProxyHost } from './api.js';

export const META_KEY = 'provisiond';

export const markerOf = (serviceId: string): string => `provisiond:${serviceId}`;

const markerLine = (serviceId: string): string => `# ${markerOf(serviceId)}`;

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

export function carriesMarker(host: ProxyHost, serviceId: string): boolean {
  return host.meta[META_KEY] === markerOf(serviceId) || firstLine(host.advanced_config) === markerLine(serviceId);
}

/** `advanced_config` with our marker as its first line and whatever else was there kept below. */
export function markedAdvancedConfig(serviceId: string, existing = ''): string {
  const lines = existing.split('\n');
  const rest = firstLine(existing).startsWith('# provisiond:') ? lines.slice(1) : lines;
  const body = rest.join('\n').replace(/^\n+/, '');
  return body === '' ? `${markerLine(serviceId)}\n` : `${markerLine(serviceId)}\n${body}`;
}

/** The host's meta with our marker, without NPM's own status keys (NPM recomputes those). */
export function markedMeta(serviceId: string, existing: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const { nginx_online: _online, nginx_err: _err, ...rest } = existing;
  return { ...rest, [META_KEY]: markerOf(serviceId) };
}
