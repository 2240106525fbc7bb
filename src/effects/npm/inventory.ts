/**
 * Every NPM proxy host with the owner its marker names (`meta.provisiond`, else the first line
 * `# provisiond:<id>` of `advanced_config`: marker.ts), for the reconciler; unmarked hosts are
 * listed with `owner: null` and never acted on. One repair the lifecycle's effects lack:
 * putting a marked host's names and forward target back when someone changed its names (the
 * lifecycle finds hosts by name, so it would never find that one again). Forward drift, missing
 * hosts and orphan deletion go through the effects (`createProxyHost`, `deleteProxyHost`, …).
 *
 * It has a client of its own (its own session and concurrency bound) built from the same
 * settings as the effects.
 */
import { NpmApi, type ProxyHost } from './api.js';
import { NpmClient } from './client.js';
import { npmError } from './errors.js';
import { carriesMarker, META_KEY } from './marker.js';
import type { NpmEffectsDeps } from './npm.effects.js';

export interface InventoryHost {
  readonly id: number;
  /** Lower case. */
  readonly domainNames: readonly string[];
  readonly forwardHost: string;
  readonly forwardPort: number;
  readonly owner: string | null;
}

const ID = '([A-Za-z0-9][A-Za-z0-9_.-]{0,63})';
const META_MARKER = new RegExp(`^provisiond:${ID}$`);
const CONFIG_MARKER = new RegExp(`^# provisiond:${ID}$`);

/** The service id a host's marker names, or null. */
export function ownerOfHost(host: Pick<ProxyHost, 'meta' | 'advanced_config'>): string | null {
  const meta = host.meta[META_KEY];
  const fromMeta = typeof meta === 'string' ? META_MARKER.exec(meta)?.[1] : undefined;
  if (fromMeta !== undefined) return fromMeta;
  return CONFIG_MARKER.exec((host.advanced_config.split('\n')[0] ?? '').trim())?.[1] ?? null;
}

export interface RetargetInput {
  readonly serviceId: string;
  readonly id: number;
  readonly domain: string;
  readonly privateIp: string;
}

export function createNpmInventory(deps: NpmEffectsDeps) {
  const client = new NpmClient({
    url: deps.url,
    email: deps.email,
    password: deps.password,
    timeoutMs: deps.timeoutMs ?? 30_000,
    concurrency: deps.concurrency ?? 4,
    now: deps.now ?? Date.now,
    refreshAheadMs: deps.tokenRefreshAheadMs ?? 3_600_000,
  });
  const api = new NpmApi(client);
  const sitePort = deps.sitePort ?? 80;

  return {
    async hosts(signal: AbortSignal): Promise<InventoryHost[]> {
      const hosts = await api.allHosts(signal);
      return hosts
        .map((host) => ({
          id: host.id,
          domainNames: host.domain_names.map((name) => name.toLowerCase()),
          forwardHost: host.forward_host,
          forwardPort: host.forward_port,
          owner: ownerOfHost(host),
        }))
        .sort((a, b) => a.id - b.id);
    },

    /**
     * Host `id` serves exactly `domain` and forwards to `privateIp` again, if it still carries
     * `serviceId`'s marker (NOT_OURS otherwise). Gone is fine: creating the host is the next step.
     */
    async retargetHost(input: RetargetInput, signal: AbortSignal): Promise<void> {
      const host = await api.getHost(input.id, signal);
      if (host === undefined) return;
      if (!carriesMarker(host, input.serviceId)) {
        throw npmError('NOT_OURS', `proxy host ${input.id} does not carry provisiond:${input.serviceId}; left untouched`, { details: { hostId: input.id } });
      }
      const body = { domain_names: [input.domain.toLowerCase()], forward_host: input.privateIp, forward_port: sitePort };
      await api.updateHost(input.id, body, signal, `restore the names of proxy host ${input.id}`);
    },

    close: () => client.close(),
  };
}

export type NpmInventory = ReturnType<typeof createNpmInventory>;
