/**
 * Nginx Proxy Manager v2.15.1, simulated: its admin API under `/api` (tokens, proxy hosts,
 * Let's Encrypt certificates) and its nginx as a real reverse proxy. Facts and traps follow
 * shared/reference/nginx-proxy-manager/NOTES.md; request schemas are vendored in schema.json.
 *
 * Operations (for faults and counters):
 *   npm.health.get            GET    /api
 *   npm.tokens.create         POST   /api/tokens
 *   npm.tokens.refresh        GET    /api/tokens
 *   npm.proxy_hosts.list      GET    /api/nginx/proxy-hosts
 *   npm.proxy_hosts.create    POST   /api/nginx/proxy-hosts
 *   npm.proxy_hosts.get       GET    /api/nginx/proxy-hosts/{id}
 *   npm.proxy_hosts.update    PUT    /api/nginx/proxy-hosts/{id}
 *   npm.proxy_hosts.delete    DELETE /api/nginx/proxy-hosts/{id}
 *   npm.proxy_hosts.enable    POST   /api/nginx/proxy-hosts/{id}/enable
 *   npm.proxy_hosts.disable   POST   /api/nginx/proxy-hosts/{id}/disable
 *   npm.certificates.list     GET    /api/nginx/certificates
 *   npm.certificates.create   POST   /api/nginx/certificates
 *   npm.certificates.get      GET    /api/nginx/certificates/{id}
 *   npm.certificates.delete   DELETE /api/nginx/certificates/{id}
 *   npm.certificates.renew    POST   /api/nginx/certificates/{id}/renew
 *   npm.certbot.certonly | npm.certbot.renew | npm.certbot.revoke   each certbot run (inside a call)
 *   npm.proxy.forward         every request through the reverse proxy
 *
 * Latency: `npm.api` for each write that reconfigures nginx, `npm.certificate` for each certbot
 * issue or renewal (the API call blocks for it, as NPM's does); reads are immediate.
 */
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Faults } from '../core/faults.js';
import { createHttpSimulator } from '../core/http-simulator.js';
import type { Latency } from '../core/timing.js';
import { installNpmBodyParsing, NPM_BODY_LIMIT } from './body-parsing.js';
import { registerCertificateRoutes } from './certificate-routes.js';
import { CertificateService } from './certificate-service.js';
import { CertbotModel } from './certbot-model.js';
import { NginxModel } from './nginx-model.js';
import type { NpmContext } from './npm-context.js';
import { formatNpmError } from './npm-errors.js';
import { NpmStore } from './npm-store.js';
import { hostView } from './npm-views.js';
import type { DefaultSite } from './proxy-pages.js';
import { registerProxyHostRoutes } from './proxy-host-routes.js';
import { ProxyHostService } from './proxy-host-service.js';
import { createReverseProxy } from './reverse-proxy.js';
import { registerTokenRoutes } from './token-routes.js';
import { TokenService } from './token-service.js';

/** NPM's default token life (`expiry` 1d). */
export const NPM_DEFAULT_TOKEN_TTL_MS = 86_400_000;

export interface NpmSimulatorOptions {
  readonly faults: Faults;
  readonly latency: Latency;
  /** The NPM user the daemon logs in as: an administrator with an email and no 2FA. */
  readonly identity: { readonly email: string; readonly secret: string };
  /** Token life when a client does not ask for one; NPM's is one day. */
  readonly tokenTtlMs?: number;
  readonly now?: () => number;
  /** What the proxy answers for unknown names; NPM's factory setting is `congratulations`. */
  readonly defaultSite?: DefaultSite;
}

/** A proxy host as the API shows it, plus whether nginx currently serves it. */
export type ProxyHostSnapshot = Readonly<Record<string, unknown>> & {
  readonly id: number;
  readonly domain_names: readonly string[];
  readonly forward_scheme: string;
  readonly forward_host: string;
  readonly forward_port: number;
  readonly certificate_id: number;
  readonly enabled: boolean;
  readonly meta: Readonly<Record<string, unknown>>;
  /** nginx has the host's configuration loaded: the proxy answers for its names. */
  readonly served: boolean;
};

export interface NpmSimulator {
  readonly api: FastifyInstance;
  /** The reverse proxy, not listening. */
  readonly proxy: Server;
  /** Make every token issued so far expired (the next call with one gets 400 "Token has expired"). */
  expireTokens(): void;
  hosts(): readonly ProxyHostSnapshot[];
}

export function createNpmSimulator(options: NpmSimulatorOptions): NpmSimulator {
  const now = options.now ?? Date.now;
  const store = new NpmStore(now);
  const npm: NpmContext = {
    latency: options.latency,
    now,
    store,
    nginx: new NginxModel((id) => {
      const row = store.certificates.get(id);
      const root = row?.provider === 'other' ? '/data/custom_ssl' : '/etc/letsencrypt/live';
      return { path: `${root}/npm-${id}`, exists: row?.has_files ?? false };
    }),
    certbot: new CertbotModel(options.faults, options.latency, now),
    tokens: new TokenService(now, options.tokenTtlMs ?? NPM_DEFAULT_TOKEN_TTL_MS),
    user: { id: 1, email: options.identity.email, createdOn: now() },
    secret: options.identity.secret,
  };
  const certificates = new CertificateService(npm);
  const proxyHosts = new ProxyHostService(npm, certificates);

  const api = createHttpSimulator({ faults: options.faults, formatError: formatNpmError, bodyLimit: NPM_BODY_LIMIT });
  installNpmBodyParsing(api);
  registerTokenRoutes(api, npm);
  registerProxyHostRoutes(api, npm, proxyHosts);
  registerCertificateRoutes(api, npm, certificates);

  const proxy = createReverseProxy({
    faults: options.faults,
    route: (hostname) => npm.nginx.route(hostname),
    defaultSite: options.defaultSite ?? '404',
  });

  return {
    api,
    proxy,
    expireTokens: () => npm.tokens.expireAll(),
    hosts: () =>
      store.activeHosts().map(
        (row) => ({ ...hostView(row, new Set(), npm), served: npm.nginx.isLoaded(row.id) }) as ProxyHostSnapshot,
      ),
  };
}
