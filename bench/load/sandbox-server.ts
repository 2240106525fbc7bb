/**
 * The benchmarks' sandbox, as its own process: `createSandbox` with a loopback IP pool big
 * enough for thousands of containers (127.50.0.0/16, where the standalone sandbox has 154
 * addresses), and a second Cloudflare simulator whose per-token limit is lifted.
 *
 * Why the second Cloudflare: a provision costs two Cloudflare calls (list, create), and the
 * real limit is 1200 calls per 5 minutes per token, so 1,000 provisions would wait five
 * minutes for Cloudflare's window rather than measure provisiond. The throughput benchmark
 * states that ceiling separately; here the simulator (same token, same zone, same timing and
 * faults) just answers.
 *
 *   tsx bench/load/sandbox-server.ts --out FILE --time-scale N --site-port N
 * Prints `{"msg":"bench sandbox listening"}` once the connection file is written.
 */
import { rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createCloudflareSimulator } from '../../src/sandbox/cloudflare/cloudflare.simulator.js';
import { createSandbox, type SandboxConnection } from '../../src/sandbox/sandbox.js';

/** 65,000-odd loopback addresses: every figure's pool fits, none leaves 127.0.0.0/8. */
const BENCH_IP_POOL = { first: '127.50.0.10', last: '127.50.255.250' } as const;

/** Large enough that no benchmark meets it; the simulator needs a finite number. */
const UNLIMITED = { requests: 1_000_000_000, windowMs: 300_000 };

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, 'time-scale': { type: 'string' }, 'site-port': { type: 'string' } } });
  if (values.out === undefined) throw new Error('--out is required');
  const sandbox = await createSandbox({
    timeScale: Number(values['time-scale'] ?? '0'),
    sitePort: Number(values['site-port'] ?? '18080'),
    privateIps: BENCH_IP_POOL,
    // A site that cannot bind is the sandbox's problem, not a figure; say so on stderr.
    onSiteError: (error, vmid) => process.stderr.write(`site server for CT ${vmid}: ${error.message}\n`),
  });
  const { cloudflare } = sandbox.connection;
  const unlimited = createCloudflareSimulator({
    faults: sandbox.faults,
    latency: sandbox.latency,
    tokens: [cloudflare.apiToken],
    zones: [{ id: cloudflare.zoneId, name: cloudflare.zoneName }],
    rateLimit: UNLIMITED,
  });
  await unlimited.listen({ host: '127.0.0.1', port: 0 });
  const port = (unlimited.server.address() as AddressInfo).port;
  const connection: SandboxConnection = { ...sandbox.connection, cloudflare: { ...cloudflare, baseUrl: `http://127.0.0.1:${port}/client/v4` } };
  rmSync(values.out, { force: true });
  writeFileSync(values.out, `${JSON.stringify(connection)}\n`, { mode: 0o600 });
  process.stdout.write(`${JSON.stringify({ msg: 'bench sandbox listening' })}\n`);

  const stop = async (): Promise<void> => {
    await unlimited.close();
    await sandbox.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`bench sandbox: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
