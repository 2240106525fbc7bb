/**
 * A site's proxy host (NOTES §4, §7): find by domain first; a host that is ours is adopted and
 * its drift fixed (a "half host" left by a failed create — no certificate, not online, disabled —
 * is repaired the same way); one that is not ours is never touched. The certificate comes
 * first and the host gets its numeric id: `certificate_id: "new"` would drop the SSL flags.
 * A 2xx does not mean nginx serves the host: read it back and require `meta.nginx_online`.
 */
import type { HostBody, NpmApi, ProxyHost } from './api.js';
import { sameName } from './api.js';
import type { Certificates } from './certificates.js';
import { npmError } from './errors.js';
import { carriesMarker, markedAdvancedConfig, markedMeta, META_KEY, markerOf } from './marker.js';

export interface HostSettings {
  readonly sitePort: number;
  readonly hsts: boolean;
}

export interface HostTarget {
  readonly serviceId: string;
  readonly domain: string;
  readonly privateIp: string;
}

export class ProxyHosts {
  constructor(
    private readonly api: NpmApi,
    private readonly certificates: Certificates,
    private readonly settings: HostSettings,
  ) {}

  async ensure(target: HostTarget, signal: AbortSignal | undefined): Promise<void> {
    const domain = target.domain.toLowerCase();
    let host = await this.api.findHost(domain, signal);
    // Refuse before ordering a certificate for a name someone else serves.
    if (host !== undefined) this.assertOurs(host, target);
    const certificateId = await this.certificates.ensure(domain, signal, host?.certificate_id ?? 0);
    const what = `create proxy host ${domain}`;
    if (host === undefined) {
      try {
        host = await this.api.createHost(this.desired(target, domain, certificateId), signal, what);
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'RESOURCE_CONFLICT') throw error;
        // "<name> is already in use": someone created it since we looked. Look once more.
        host = await this.api.findHost(domain, signal);
        if (host === undefined) {
          throw npmError('RESOURCE_CONFLICT', `${domain} is in use by an NPM redirection or 404 host`, { cause: error });
        }
        this.assertOurs(host, target);
      }
    }
    const wanted = this.desired(target, domain, certificateId, host);
    if (drifted(host, wanted)) await this.api.updateHost(host.id, wanted, signal, `repair proxy host ${domain}`);
    await this.requireOnline(host.id, domain, certificateId, signal);
  }

  /**
   * Remove our host for `domain` and the certificates for exactly that domain nobody uses.
   * A host that is not ours stays, with its certificates, and the call succeeds: the name was
   * never ours to free (the caller's intent, "our proxy for this name is gone", holds).
   */
  async remove(serviceId: string, domain: string, signal: AbortSignal | undefined): Promise<{ foreign: boolean }> {
    const name = domain.toLowerCase();
    const host = await this.api.findHost(name, signal);
    if (host !== undefined && !carriesMarker(host, serviceId)) return { foreign: true };
    if (host !== undefined) await this.api.deleteHost(host.id, signal, `delete proxy host ${name}`);
    await this.certificates.removeUnused(name, signal);
    return { foreign: false };
  }

  private assertOurs(host: ProxyHost, target: HostTarget): void {
    if (carriesMarker(host, target.serviceId)) return;
    const owner = typeof host.meta[META_KEY] === 'string' ? ' (marked for another service)' : '';
    throw npmError('NOT_OURS', `proxy host ${host.id} for ${target.domain} does not carry ${markerOf(target.serviceId)}${owner}`, {
      details: { hostId: host.id },
    });
  }

  private desired(target: HostTarget, domain: string, certificateId: number, existing?: ProxyHost): HostBody {
    return {
      domain_names: [domain],
      forward_scheme: 'http',
      forward_host: target.privateIp,
      forward_port: this.settings.sitePort,
      certificate_id: certificateId,
      ssl_forced: true,
      http2_support: true,
      hsts_enabled: this.settings.hsts,
      hsts_subdomains: false,
      caching_enabled: true,
      allow_websocket_upgrade: true,
      block_exploits: true,
      enabled: true,
      advanced_config: markedAdvancedConfig(target.serviceId, existing?.advanced_config),
      meta: markedMeta(target.serviceId, existing?.meta),
    };
  }

  private async requireOnline(id: number, domain: string, certificateId: number, signal: AbortSignal | undefined): Promise<void> {
    const host = await this.api.getHost(id, signal);
    if (host === undefined) {
      // Deleted between our write and this read: the next attempt starts over.
      throw npmError('UPSTREAM_UNAVAILABLE', `proxy host ${id} for ${domain} vanished right after it was written`);
    }
    if (host.meta['nginx_online'] !== true || !host.enabled || host.certificate_id !== certificateId) {
      const nginxError = typeof host.meta['nginx_err'] === 'string' ? host.meta['nginx_err'].split('\n')[0] : undefined;
      throw npmError('UPSTREAM_REJECTED', `nginx does not serve proxy host ${id} for ${domain}`, {
        details: { hostId: id, ...(nginxError === undefined ? {} : { nginxError }) },
      });
    }
  }
}

/** Whether the host differs from what we want (names compared as a set: NPM sorts them). */
function drifted(host: ProxyHost, wanted: HostBody): boolean {
  const names = wanted.domain_names ?? [];
  if (host.domain_names.length !== names.length || !names.every((n) => host.domain_names.some((h) => sameName(h, n)))) {
    return true;
  }
  if (host.meta['nginx_online'] !== true) return true;
  const keys = [
    'forward_scheme', 'forward_host', 'forward_port', 'certificate_id', 'ssl_forced', 'http2_support', 'hsts_enabled',
    'hsts_subdomains', 'caching_enabled', 'allow_websocket_upgrade', 'block_exploits', 'enabled', 'advanced_config',
  ] as const;
  if (keys.some((key) => host[key] !== wanted[key])) return true;
  return host.meta[META_KEY] !== wanted.meta?.[META_KEY];
}
