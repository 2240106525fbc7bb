/**
 * The few NPM resources provisiond uses, as typed calls (NOTES §4, §5). Lookups filter
 * exactly on the client: `?query=` is a SQL LIKE substring match (`example.com` also finds
 * `notexample.com`), case-insensitive by NPM's own duplicate rule.
 */
import type { NpmClient } from './client.js';
import { fromAnswer, npmError } from './errors.js';

export interface ProxyHost {
  readonly id: number;
  readonly domain_names: readonly string[];
  readonly forward_scheme: string;
  readonly forward_host: string;
  readonly forward_port: number;
  readonly certificate_id: number;
  readonly ssl_forced: boolean;
  readonly http2_support: boolean;
  readonly caching_enabled: boolean;
  readonly allow_websocket_upgrade: boolean;
  readonly block_exploits: boolean;
  readonly hsts_enabled: boolean;
  readonly hsts_subdomains: boolean;
  readonly enabled: boolean;
  readonly advanced_config: string;
  readonly meta: Readonly<Record<string, unknown>>;
}

export interface Certificate {
  readonly id: number;
  readonly provider: string;
  readonly domain_names: readonly string[];
  readonly created_on: string;
  readonly expires_on: string;
}

/** The writable fields of a proxy host (the schema is closed: nothing else may be sent). */
export type HostBody = Partial<Omit<ProxyHost, 'id' | 'domain_names'>> & { readonly domain_names?: readonly string[] };

export const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export class NpmApi {
  constructor(private readonly client: NpmClient) {}

  /** The host (of any type we can see) that serves `domain`, if one does. */
  async findHost(domain: string, signal: AbortSignal | undefined): Promise<ProxyHost | undefined> {
    const hosts = await this.listHosts(`?query=${encodeURIComponent(domain)}`, signal, `find proxy host ${domain}`);
    return hosts.find((host) => host.domain_names.some((name) => sameName(name, domain)));
  }

  /** Every proxy host: to learn which certificates are still referenced. */
  allHosts(signal: AbortSignal | undefined): Promise<ProxyHost[]> {
    return this.listHosts('', signal, 'list proxy hosts');
  }

  async getHost(id: number, signal: AbortSignal | undefined): Promise<ProxyHost | undefined> {
    const what = `read proxy host ${id}`;
    const answer = await this.client.call('GET', `/nginx/proxy-hosts/${id}`, { signal, what });
    if (answer.status === 404 && !isPermission404(answer.body)) return undefined;
    if (answer.status !== 200) throw fromAnswer(what, answer);
    return asHost(answer.body, what);
  }

  async createHost(body: HostBody, signal: AbortSignal | undefined, what: string): Promise<ProxyHost> {
    const answer = await this.client.call('POST', '/nginx/proxy-hosts', { body, signal, what });
    if (answer.status !== 201 && answer.status !== 200) throw fromAnswer(what, answer);
    return asHost(answer.body, what);
  }

  async updateHost(id: number, body: HostBody, signal: AbortSignal | undefined, what: string): Promise<void> {
    const answer = await this.client.call('PUT', `/nginx/proxy-hosts/${id}`, { body, signal, what });
    if (answer.status !== 200) throw fromAnswer(what, answer);
  }

  /** Deletes tolerate "already gone". */
  async deleteHost(id: number, signal: AbortSignal | undefined, what: string): Promise<void> {
    const answer = await this.client.call('DELETE', `/nginx/proxy-hosts/${id}`, { signal, what });
    if (answer.status === 404 && !isPermission404(answer.body)) return;
    if (answer.status !== 200) throw fromAnswer(what, answer);
  }

  /** Let's Encrypt certificates for exactly `{domain}` (duplicates are possible: no uniqueness check). */
  async findCertificates(domain: string, signal: AbortSignal | undefined): Promise<Certificate[]> {
    const what = `find certificates for ${domain}`;
    const path = `/nginx/certificates?query=${encodeURIComponent(domain)}`;
    const answer = await this.client.call('GET', path, { signal, what });
    if (answer.status !== 200) throw fromAnswer(what, answer);
    return asList(answer.body, what)
      .map((item) => asCertificate(item, what))
      .filter((cert) => cert.provider === 'letsencrypt' && cert.domain_names.length === 1)
      .filter((cert) => cert.domain_names.every((name) => sameName(name, domain)));
  }

  async createCertificate(domain: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<Certificate> {
    const what = `issue certificate for ${domain}`;
    // v2.13+: no letsencrypt_email/agree (400); the ACME account is the NPM user's email.
    const body = { provider: 'letsencrypt', domain_names: [domain], meta: { dns_challenge: false } };
    const answer = await this.client.call('POST', '/nginx/certificates', { body, signal, timeoutMs, what });
    if (answer.status !== 201 && answer.status !== 200) throw fromAnswer(what, answer);
    return asCertificate(answer.body, what);
  }

  async deleteCertificate(id: number, signal: AbortSignal | undefined, what: string): Promise<void> {
    const answer = await this.client.call('DELETE', `/nginx/certificates/${id}`, { signal, what });
    if (answer.status === 404 && !isPermission404(answer.body)) return;
    if (answer.status !== 200) throw fromAnswer(what, answer);
  }

  private async listHosts(query: string, signal: AbortSignal | undefined, what: string): Promise<ProxyHost[]> {
    const answer = await this.client.call('GET', `/nginx/proxy-hosts${query}`, { signal, what });
    if (answer.status !== 200) throw fromAnswer(what, answer);
    return asList(answer.body, what).map((item) => asHost(item, what));
  }
}

/** v2.13–v2.15.1 answer a permission failure "Not Found - /api/…": not the same as a missing row. */
function isPermission404(body: unknown): boolean {
  const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof message === 'string' && message.startsWith('Not Found - /');
}

function malformed(what: string): Error {
  return npmError('UPSTREAM_UNAVAILABLE', `${what}: NPM's answer has an unexpected shape`);
}

function asList(body: unknown, what: string): unknown[] {
  if (!Array.isArray(body)) throw malformed(what);
  return body;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(what);
  return value as Record<string, unknown>;
}

function names(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) throw malformed(what);
  return value;
}

/** NPM answers booleans; older releases and other databases have shown 0/1. */
const flag = (value: unknown): boolean => value === true || value === 1 || value === '1';

function asHost(value: unknown, what: string): ProxyHost {
  const row = record(value, what);
  if (typeof row['id'] !== 'number') throw malformed(what);
  return {
    id: row['id'],
    domain_names: names(row['domain_names'], what),
    forward_scheme: String(row['forward_scheme'] ?? ''),
    forward_host: String(row['forward_host'] ?? ''),
    forward_port: Number(row['forward_port'] ?? 0),
    certificate_id: Number(row['certificate_id'] ?? 0),
    ssl_forced: flag(row['ssl_forced']),
    http2_support: flag(row['http2_support']),
    caching_enabled: flag(row['caching_enabled']),
    allow_websocket_upgrade: flag(row['allow_websocket_upgrade']),
    block_exploits: flag(row['block_exploits']),
    hsts_enabled: flag(row['hsts_enabled']),
    hsts_subdomains: flag(row['hsts_subdomains']),
    enabled: flag(row['enabled']),
    advanced_config: typeof row['advanced_config'] === 'string' ? row['advanced_config'] : '',
    meta: typeof row['meta'] === 'object' && row['meta'] !== null ? (row['meta'] as Record<string, unknown>) : {},
  };
}

function asCertificate(value: unknown, what: string): Certificate {
  const row = record(value, what);
  if (typeof row['id'] !== 'number') throw malformed(what);
  return {
    id: row['id'],
    provider: String(row['provider'] ?? ''),
    domain_names: names(row['domain_names'] ?? [], what),
    created_on: String(row['created_on'] ?? ''),
    expires_on: String(row['expires_on'] ?? ''),
  };
}
