/**
 * Nginx Proxy Manager effects: each site's proxy host and Let's Encrypt certificate, the
 * "is it live through the proxy" check, and the same for customers' own domains. Shapes match
 * src/machines/effect-contracts.ts (`serviceEffects`, `domainEffects`) structurally.
 *
 * `removeDomainProxy` is not a machine effect: the composition root combines it with
 * ISPConfig's zone removal into the domain machine's `removeDomain`.
 */
import { NpmApi } from './api.js';
import { Certificates } from './certificates.js';
import { NpmClient, type QueueState } from './client.js';
import { checkThroughProxy } from './live-check.js';
import { ProxyHosts } from './proxy-hosts.js';

export interface NpmEffectsDeps {
  /** NPM's API base, e.g. `http://10.0.0.2:81/api`. */
  readonly url: string;
  /** The service user: an administrator (or visibility "all") with an email and without 2FA. */
  readonly email: string;
  readonly password: string;
  /** Where NPM's nginx answers plain HTTP (real: `http://<public-ip>`). */
  readonly proxyUrl: string;
  /** Port WordPress listens on inside each container. Default 80. */
  readonly sitePort?: number;
  /** Per request. Default 30 s. */
  readonly timeoutMs?: number;
  /** A certificate request blocks for the whole certbot run. Default 16 min (NPM allows 15). */
  readonly certificateTimeoutMs?: number;
  /** Requests in flight to NPM. Default 4. */
  readonly concurrency?: number;
  /** HSTS on the hosts (browsers remember it: off unless asked for). Default false. */
  readonly hsts?: boolean;
  /** Refresh the token when less than this is left of its life. Default 1 h (NPM's tokens last a day). */
  readonly tokenRefreshAheadMs?: number;
  readonly now?: () => number;
}

export interface SiteRef {
  readonly serviceId: string;
  readonly fqdn: string;
}
export interface ProxyHostInput extends SiteRef {
  readonly privateIp: string;
}
export interface DomainRef {
  readonly serviceId: string;
  readonly domain: string;
}
export interface DomainTargetInput extends DomainRef {
  readonly publicIp: string;
  readonly privateIp: string;
}

export interface NpmEffects {
  createProxyHost(input: ProxyHostInput, signal?: AbortSignal): Promise<void>;
  deleteProxyHost(input: SiteRef, signal?: AbortSignal): Promise<void>;
  checkLive(input: SiteRef, signal?: AbortSignal): Promise<void>;
  issueCertificate(input: DomainRef, signal?: AbortSignal): Promise<void>;
  createDomainProxyHost(input: DomainTargetInput, signal?: AbortSignal): Promise<void>;
  removeDomainProxy(input: DomainRef, signal?: AbortSignal): Promise<void>;
  /** Requests running and waiting (NPM API and proxy), and certificate work queued behind certbot. */
  queue(): QueueState & { readonly certificates: QueueState };
  /** Close idle connections (shutdown, tests). */
  close(): Promise<void>;
}

export function createNpmEffects(deps: NpmEffectsDeps): NpmEffects {
  const now = deps.now ?? Date.now;
  const timeoutMs = deps.timeoutMs ?? 30_000;
  const client = new NpmClient({
    url: deps.url,
    email: deps.email,
    password: deps.password,
    timeoutMs,
    concurrency: deps.concurrency ?? 4,
    now,
    refreshAheadMs: deps.tokenRefreshAheadMs ?? 3_600_000,
  });
  const api = new NpmApi(client);
  const certificates = new Certificates(api, { now, timeoutMs: deps.certificateTimeoutMs ?? 960_000 });
  const hosts = new ProxyHosts(api, certificates, { sitePort: deps.sitePort ?? 80, hsts: deps.hsts ?? false });
  const live = { proxyUrl: deps.proxyUrl, timeoutMs, dispatcher: client.agent };

  return {
    createProxyHost: (input, signal) =>
      hosts.ensure({ serviceId: input.serviceId, domain: input.fqdn, privateIp: input.privateIp }, signal),
    deleteProxyHost: async (input, signal) => {
      await hosts.remove(input.serviceId, input.fqdn, signal);
    },
    checkLive: (input, signal) => client.limited(() => checkThroughProxy(input.fqdn, live, signal)),
    issueCertificate: async (input, signal) => {
      await certificates.ensure(input.domain.toLowerCase(), signal);
    },
    // publicIp is for DNS; NPM only needs where to forward.
    createDomainProxyHost: (input, signal) =>
      hosts.ensure({ serviceId: input.serviceId, domain: input.domain, privateIp: input.privateIp }, signal),
    removeDomainProxy: async (input, signal) => {
      await hosts.remove(input.serviceId, input.domain, signal);
    },
    queue: () => ({ ...client.queue(), certificates: certificates.queue() }),
    close: () => client.close(),
  };
}
