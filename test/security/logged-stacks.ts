/**
 * The daemon as a child process at a chosen log level, every byte it prints kept, against a
 * sandbox in one of the two ways an operator runs it: the standalone sandbox process
 * (PROVISIOND_SANDBOX, everything it prints kept too), or REAL MODE — a configuration file
 * naming the systems, secrets in the environment, the SSH key in a file — where the
 * "infrastructure" is a sandbox in this test process that the daemon does not know about.
 * Each stack also says which secrets it configured, for the search.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox, type SandboxConnection } from '../../src/sandbox/sandbox.js';
import { exited, startScript, type Started } from '../support/child-process.js';
import { API_TOKEN, DaemonApi, SandboxProbe } from '../support/sandbox-process.js';
import { pemSecrets, type Secret, type Source } from './secret-search.js';

export interface LoggedStack {
  readonly api: DaemonApi;
  readonly probe: SandboxProbe;
  readonly connection: SandboxConnection;
  /** `127.0.0.1:<port>` of the daemon. */
  readonly host: string;
  /** What every process of the stack printed so far, one source per stream. */
  outputs(): Source[];
  /** SIGTERM the daemon and wait for it, so its shutdown lines are captured too. */
  stopDaemon(): Promise<void>;
  /** Kill whatever still runs and remove the temp directory. */
  stop(): Promise<void>;
}

/** Everything in a sandbox connection that grants access, plus the daemon's API token. */
export function configuredSecrets(connection: SandboxConnection): Secret[] {
  return [
    { label: 'API token', value: API_TOKEN },
    { label: 'Proxmox token secret', value: connection.proxmox.tokenSecret },
    { label: 'Cloudflare API token', value: connection.cloudflare.apiToken },
    { label: 'NPM password', value: connection.npm.password },
    { label: 'ISPConfig password', value: connection.ispconfig.password },
    ...pemSecrets('SSH private key', connection.ssh.privateKey),
  ];
}

const sitePort = (): number => 20_000 + Math.floor(Math.random() * 20_000);

/** Starts the daemon and waits for it to listen; `ready` is the line that proves the mode. */
async function startDaemon(env: NodeJS.ProcessEnv, ready: (line: Record<string, unknown>) => boolean): Promise<{ daemon: Started; host: string }> {
  const daemon = startScript('src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', PROVISIOND_API_TOKEN: API_TOKEN, ...env });
  await daemon.line(ready);
  const listening = await daemon.line((l) => l.msg === 'provisiond is listening');
  return { daemon, host: `127.0.0.1:${(listening.address as { port: number }).port}` };
}

function assemble(parts: {
  connection: SandboxConnection;
  daemon: Started;
  host: string;
  extraOutputs: () => Source[];
  cleanup: () => Promise<void>;
}): LoggedStack {
  const { daemon, host, connection } = parts;
  return {
    api: new DaemonApi(`http://${host}`),
    probe: new SandboxProbe(connection),
    connection,
    host,
    outputs: () => [{ name: 'daemon stdout', text: daemon.stdout() }, { name: 'daemon stderr', text: daemon.stderr() }, ...parts.extraOutputs()],
    stopDaemon: async () => {
      daemon.child.kill('SIGTERM');
      await exited(daemon.child);
    },
    stop: async () => {
      daemon.child.kill('SIGKILL');
      await exited(daemon.child);
      await parts.cleanup();
    },
  };
}

/** `npm run sandbox` and `npm start` with PROVISIOND_SANDBOX, as the standalone e2e tests run them. */
export async function startStandalone(logLevel: string): Promise<LoggedStack> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-secrets-'));
  const started: Started[] = [];
  const cleanup = async (): Promise<void> => {
    for (const one of started) one.child.kill('SIGKILL');
    await Promise.all(started.map((one) => exited(one.child)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const out = join(dir, 'sandbox.json');
    const sandbox = startScript('src/sandbox/cli.ts', ['--out', out, '--time-scale', '0.01', '--site-port', String(sitePort())]);
    started.push(sandbox);
    await sandbox.line((l) => l.msg === 'sandbox listening');
    const connection = JSON.parse(readFileSync(out, 'utf8')) as SandboxConnection;
    const { daemon, host } = await startDaemon(
      { PROVISIOND_DB: join(dir, 'provisiond.db'), PROVISIOND_SANDBOX: out, PROVISIOND_CONFIG: '', LOG_LEVEL: logLevel },
      (l) => typeof l.msg === 'string' && l.msg.startsWith('SANDBOX MODE'),
    );
    started.push(daemon);
    return assemble({
      connection,
      daemon,
      host,
      extraOutputs: () => [{ name: 'sandbox stdout', text: sandbox.stdout() }, { name: 'sandbox stderr', text: sandbox.stderr() }],
      cleanup,
    });
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The daemon in REAL MODE, configured as test/e2e/real-mode.test.ts does, the sandbox in this process. */
export async function startRealMode(logLevel: string): Promise<LoggedStack> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-secrets-real-'));
  const sandbox = await createSandbox({ timeScale: 0.01, sitePort: sitePort() });
  let daemon: Started | undefined;
  const cleanup = async (): Promise<void> => {
    daemon?.child.kill('SIGKILL');
    if (daemon !== undefined) await exited(daemon.child);
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const c = sandbox.connection;
    const keyFile = join(dir, 'id_ed25519');
    writeFileSync(keyFile, c.ssh.privateKey, { mode: 0o600 });
    const configFile = join(dir, 'provisiond.json');
    const sshNode = { host: c.ssh.host, port: c.ssh.port, hostKeySha256: c.ssh.hostKeySha256 };
    writeFileSync(
      configFile,
      JSON.stringify({
        baseDomain: c.baseDomain,
        pools: { privateIps: { first: '127.45.0.100', last: '127.45.0.150' }, vmids: { first: 6100, last: 6199 } },
        infrastructure: {
          proxmox: { url: c.proxmox.url, tokenId: c.proxmox.tokenId, nodes: c.proxmox.nodes, template: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', storage: 'drbd', bridge: 'vmbr1', gateway: '127.45.0.1', cidr: 24 },
          cloudflare: { zoneId: c.cloudflare.zoneId, baseUrl: c.cloudflare.baseUrl },
          npm: { url: c.npm.url, email: c.npm.email, proxyUrl: c.npm.proxyUrl, sitePort: c.site.httpPort },
          ispconfig: { url: c.ispconfig.url, username: c.ispconfig.username, serverId: 1, clientId: 0, ns: ['ns1.sandbox.test'], mbox: 'hostmaster.sandbox.test.' },
          dns: { resolvers: [`${c.dns.host}:${c.dns.port}`] },
          ssh: { privateKeyFile: keyFile, nodes: Object.fromEntries(c.proxmox.nodes.map((node) => [node, sshNode])) },
        },
      }),
    );
    const started = await startDaemon(
      {
        PROVISIOND_DB: join(dir, 'provisiond.db'),
        PROVISIOND_CONFIG: configFile,
        PROVISIOND_SANDBOX: '',
        LOG_LEVEL: logLevel,
        PROVISIOND_PROXMOX_TOKEN_SECRET: c.proxmox.tokenSecret,
        PROVISIOND_CLOUDFLARE_API_TOKEN: c.cloudflare.apiToken,
        PROVISIOND_NPM_PASSWORD: c.npm.password,
        PROVISIOND_ISPCONFIG_PASSWORD: c.ispconfig.password,
      },
      (l) => typeof l.msg === 'string' && l.msg.startsWith('REAL MODE'),
    );
    daemon = started.daemon;
    return assemble({ connection: c, daemon, host: started.host, extraOutputs: () => [], cleanup });
  } catch (error) {
    await cleanup();
    throw error;
  }
}
