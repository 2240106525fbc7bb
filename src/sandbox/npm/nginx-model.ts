/**
 * The nginx inside NPM, as far as a client can observe it (backend/internal/nginx.js):
 * which host configurations are loaded (and so answered by the reverse proxy), and what
 * `nginx -t` says about them.
 *
 * - configure = test everything (already broken → CommandError, 500) → write the host's file →
 *   test again: on failure the host gets `meta.nginx_online=false` + `nginx_err` and its file
 *   is renamed away; on success `nginx_online=true`. The file of a disabled host is empty.
 * - A loaded file that names certificate files which no longer exist (the certificate was
 *   deleted, NPM #133) breaks `nginx -t` for every later change, while nginx keeps serving
 *   what it loaded.
 * - While certbot runs, hosts using the certificate's names are taken out (NPM's
 *   disableInUseHosts/enableInUseHosts).
 */
import { npmErrors } from './npm-errors.js';
import type { HostRow, LocationRow } from './npm-store.js';

export interface LiveRoute {
  readonly hostId: number;
  readonly domains: readonly string[];
  readonly forwardScheme: string;
  readonly forwardHost: string;
  readonly forwardPort: number;
  readonly allowWebsocketUpgrade: boolean;
  readonly certificateId: number;
  readonly locations: readonly LocationRow[];
}

export interface CertificateFiles {
  readonly path: string;
  readonly exists: boolean;
}

export class NginxModel {
  private readonly live = new Map<number, LiveRoute>();
  private readonly suspended = new Map<string, number>();

  constructor(private readonly certificateFiles: (id: number) => CertificateFiles) {}

  /** `nginx -t` over the loaded files: the error text, or null when the configuration is valid. */
  test(): string | null {
    for (const route of this.live.values()) {
      const problem = this.certificateProblem(route.certificateId);
      if (problem !== null) return problem;
    }
    return null;
  }

  /** Write and load a host's file; the host's new meta. Throws when nginx was already broken. */
  configure(host: HostRow): Record<string, unknown> {
    const before = this.test();
    if (before !== null) throw npmErrors.command(before);
    const problem = this.certificateProblem(host.certificate_id) ?? configProblem(host);
    if (problem !== null) {
      this.live.delete(host.id);
      return { ...host.meta, nginx_online: false, nginx_err: problem };
    }
    if (host.enabled) this.live.set(host.id, routeOf(host));
    else this.live.delete(host.id);
    return { ...host.meta, nginx_online: true, nginx_err: null };
  }

  /** Delete a host's file and reload; the reload tests the rest and fails if it is broken. */
  remove(hostId: number): void {
    this.live.delete(hostId);
    const problem = this.test();
    if (problem !== null) throw npmErrors.command(problem);
  }

  /** Whether nginx has the host's configuration loaded (and the proxy answers for it). */
  isLoaded(hostId: number): boolean {
    return this.live.has(hostId);
  }

  suspend(domains: readonly string[]): void {
    for (const domain of domains) {
      const key = domain.toLowerCase();
      this.suspended.set(key, (this.suspended.get(key) ?? 0) + 1);
    }
  }

  resume(domains: readonly string[]): void {
    for (const domain of domains) {
      const key = domain.toLowerCase();
      const count = (this.suspended.get(key) ?? 1) - 1;
      if (count > 0) this.suspended.set(key, count);
      else this.suspended.delete(key);
    }
  }

  /** nginx's server_name choice: an exact name first, then the longest leading wildcard. */
  route(hostname: string): LiveRoute | undefined {
    const name = hostname.toLowerCase();
    let best: { route: LiveRoute; length: number } | undefined;
    for (const route of this.live.values()) {
      if (route.domains.some((domain) => this.suspended.has(domain))) continue;
      for (const domain of route.domains) {
        if (domain === name) return route;
        if (domain.startsWith('*.') && name.endsWith(domain.slice(1)) && (best?.length ?? -1) < domain.length) {
          best = { route, length: domain.length };
        }
      }
    }
    return best?.route;
  }

  private certificateProblem(certificateId: number): string | null {
    if (certificateId <= 0) return null;
    const files = this.certificateFiles(certificateId);
    if (files.exists) return null;
    const file = `${files.path}/fullchain.pem`;
    return (
      `nginx: [emerg] cannot load certificate "${file}": BIO_new_file() failed (SSL: error:80000002:system ` +
      `library::No such file or directory:calling fopen(${file}, r) error:10000080:BIO routines::no such file)\n` +
      'nginx: configuration file /etc/nginx/nginx.conf test failed'
    );
  }
}

function routeOf(host: HostRow): LiveRoute {
  return {
    hostId: host.id,
    domains: host.domain_names.map((name) => name.toLowerCase()),
    forwardScheme: host.forward_scheme,
    forwardHost: host.forward_host,
    forwardPort: host.forward_port,
    allowWebsocketUpgrade: host.allow_websocket_upgrade,
    certificateId: host.certificate_id,
    locations: structuredClone(host.locations),
  };
}

/** The one advanced_config mistake the sandbox detects: unbalanced braces. */
function configProblem(host: HostRow): string | null {
  const configs = [host.advanced_config, ...host.locations.map((l) => l.advanced_config ?? '')];
  for (const text of configs) {
    let depth = 0;
    for (const char of text) {
      if (char === '{') depth++;
      if (char === '}' && --depth < 0) {
        return `nginx: [emerg] unexpected "}" in /data/nginx/proxy_host/${host.id}.conf\n` +
          'nginx: configuration file /etc/nginx/nginx.conf test failed';
      }
    }
    if (depth > 0) {
      return `nginx: [emerg] unexpected end of file, expecting "}" in /data/nginx/proxy_host/${host.id}.conf\n` +
        'nginx: configuration file /etc/nginx/nginx.conf test failed';
    }
  }
  return null;
}
