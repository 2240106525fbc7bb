/**
 * The daemon as the throughput and fan-out benchmarks run it, in its own process: the same
 * pieces as src/main.ts (SQLite store, actor registry, infrastructure effects, Fastify app with
 * the feed) composed with three differences, each because the figure needs it:
 *  - the Cloudflare request budget is lifted (the sandbox's simulator is too, see
 *    sandbox-server.ts): 1,000 provisions spend 2,000 calls, over the real 1,200 per 5 minutes;
 *  - the VMID range is 100000–199999 and the IP pool comes from the bench sandbox (65,000 addresses);
 *  - `BENCH_EFFECTS=instant` replaces every infrastructure effect with one that succeeds at
 *    once, through the registry's effect seam (the feed benchmark's transition source).
 * No /metrics, no reconciler, no rate limit, warnings-only logs: what is measured is the
 * daemon's work for the services, not its housekeeping.
 *
 * Environment: BENCH_DB, BENCH_TOKEN, BENCH_SANDBOX (a connection file) or BENCH_EFFECTS=instant.
 * IPC: `{type:'usage'}` → `{type:'usage', cpuUs, maxRssKiB, rssBytes, lastSeq, live, queues}`.
 */
import { pino } from 'pino';
import { createServiceRegistry } from '../../src/actors/service-registry.js';
import type { DomainEffectFunctions, ServiceEffectFunctions } from '../../src/actors/effect-actors.js';
import { DEFAULTS } from '../../src/config.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { buildInfrastructure, settingsFromSandbox, type Infrastructure } from '../../src/infrastructure.js';
import { openStore } from '../../src/persistence/store.js';
import { readSandboxConnection } from '../../src/sandbox-connection.js';
import { buildApp } from '../../src/server/app.js';

const BENCH_VMIDS = { first: 100_000, last: 199_999 };
/** Only for instant effects, where no sandbox names a pool: loopback still. */
const INSTANT_IP_POOL = { first: '127.51.0.10', last: '127.51.255.250' };

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
}

/** Every effect succeeding at once; createContainer reports node1 as Proxmox would. */
function instantEffects(): { service: ServiceEffectFunctions; domain: DomainEffectFunctions } {
  const ok = async (): Promise<void> => undefined;
  const service: ServiceEffectFunctions = {
    createContainer: async () => ({ node: 'node1' }),
    registerHa: ok, awaitReady: ok, installWordPress: ok, verifyInstall: ok, createDnsRecord: ok, createProxyHost: ok, checkLive: ok,
    takeSnapshot: ok, shutdownContainer: ok, stopContainer: ok, startContainer: ok, removeHa: ok, deleteSnapshots: ok,
    destroyContainer: ok, deleteDnsRecord: ok, deleteProxyHost: ok, purgeDomains: ok, reinstallWordPress: ok, restoreSnapshot: ok,
    resizeContainer: ok,
  };
  return { service, domain: { verifyOwnership: ok, createDnsZone: ok, issueCertificate: ok, createDomainProxyHost: ok, removeDomain: ok } };
}

async function main(): Promise<void> {
  const apiToken = required('BENCH_TOKEN');
  const store = openStore(required('BENCH_DB'));
  const logger = pino({ level: 'warn' });
  const instant = process.env.BENCH_EFFECTS === 'instant';
  let infrastructure: Infrastructure | undefined;
  let target = { baseDomain: 'bench.test', ipPool: INSTANT_IP_POOL };
  if (!instant) {
    const connection = readSandboxConnection(required('BENCH_SANDBOX'));
    const settings = settingsFromSandbox(connection);
    infrastructure = buildInfrastructure(
      { ...settings, cloudflare: { ...settings.cloudflare, requestsPer5Minutes: 1_000_000_000 } },
      { onOutput: (serviceId, line) => registry.appendLog(serviceId, line) },
    );
    target = { baseDomain: connection.baseDomain, ipPool: connection.pools.privateIps };
  }
  const effects = infrastructure === undefined
    ? instantEffects()
    : { service: infrastructure.service, domain: infrastructure.domain, vmidFree: infrastructure.vmidFree };
  const registry = createServiceRegistry({
    store,
    plans: DEFAULT_PLANS,
    allocation: { ipPool: target.ipPool, vmidRange: BENCH_VMIDS, reservedSubdomains: DEFAULTS.reservedSubdomains, random: Math.random },
    baseDomain: target.baseDomain,
    logger,
    effects,
  });
  registry.boot();
  const app = buildApp({
    registry, apiToken, plans: DEFAULT_PLANS.map((plan) => plan.name), logger: false, rateLimit: false,
    ...(infrastructure === undefined ? {} : { readContainer: infrastructure.readContainer }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;

  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'usage') return;
    const cpu = process.cpuUsage();
    process.send?.({
      type: 'usage',
      cpuUs: cpu.user + cpu.system,
      // resourceUsage().maxRSS is the peak resident set, in KiB.
      maxRssKiB: process.resourceUsage().maxRSS,
      rssBytes: process.memoryUsage().rss,
      lastSeq: registry.lastSeq(),
      live: registry.size,
      queues: infrastructure?.queues() ?? {},
    });
  });
  const stop = async (): Promise<void> => {
    await app.close();
    registry.shutdown();
    await infrastructure?.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  // The benchmark went away without stopping us: do not linger.
  process.once('disconnect', () => void stop());
  process.stdout.write(`${JSON.stringify({ msg: 'bench daemon listening', port })}\n`);
}

main().catch((error: unknown) => {
  console.error('bench daemon:', error);
  process.exit(1);
});
