/**
 * The installer proven for real: wordpress-installer.sh runs through the real SSH effect, over a
 * real OpenSSH server on loopback, in a Debian bookworm container (scripts/installer-rootfs.sh,
 * cached under .cache/) whose `pct` is scripts/pct-standin.sh. It installs nginx, MariaDB and
 * PHP with apt itself, and nginx must then serve WordPress's installation page.
 *
 * The container has a network namespace of its own with only `lo` (no private address ranges,
 * no port shared with the host). Unix sockets are not network-namespaced, so a relay started in
 * the namespace joins it to servers in this process:
 *   127.0.0.1:3142 in the CT → an HTTP proxy here that reaches only the rootfs's Debian mirror
 *   127.0.0.1:8080 in the CT → the WordPress tarball here (the installer's WORDPRESS_URL)
 *   web.sock here            → 127.0.0.1:80 in the CT (how this test fetches pages itself)
 *
 * Needs root, debootstrap, openssh-server, util-linux and iproute2 (.ci/run installs them).
 * Without them the test skips and says why — except with CI=true, where it fails instead.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import ssh2 from 'ssh2';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';
import { sha256Fingerprint } from '../../src/effects/ssh/host-key.js';
import { pctExec } from '../../src/effects/ssh/pct-command.js';
import { createSshClient, type SshClient } from '../../src/effects/ssh/ssh-client.js';
import { createSshEffects } from '../../src/effects/ssh/ssh.effects.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const STANDIN = join(REPO, 'scripts/pct-standin.sh');
const NODE = 'localhost';
const VMID = 100;
const SITE = { serviceId: 'real-1', vmid: VMID, fqdn: 'real.example.test' };
const STEPS = ['parameters', 'locale', 'packages', 'database', 'wordpress', 'wp-config', 'nginx', 'php-fpm', 'permissions', 'firewall', 'done'];
const REINSTALL_STEPS = [...STEPS.slice(0, 3), 'reset', ...STEPS.slice(3)];
const WP_CONFIG = '/var/www/html/wp-config.php';
const UPLOAD = '/var/www/html/wp-content/uploads/2025/01/photo.jpg';
/** Owner and mode of the document root, a directory, a file and wp-config.php, as the installer leaves them. */
const MODES = [
  '755 www-data:www-data /var/www/html', '755 www-data:www-data /var/www/html/wp-admin',
  '644 www-data:www-data /var/www/html/wp-admin/install.php', '640 www-data:www-data /var/www/html/wp-config.php',
];
const IN_CI = process.env.CI === 'true';
const signal = (): AbortSignal => AbortSignal.timeout(15 * 60_000);

/** What the host lacks for this test, if anything. */
function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux (namespaces, chroot)';
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, namespaces, chroot, sshd)';
  const tools: [string, string][] = [['debootstrap', 'debootstrap'], ['/usr/sbin/sshd', 'openssh-server'], ['dpkg-deb', 'dpkg'],
    ['unshare', 'util-linux'], ['nsenter', 'util-linux'], ['flock', 'util-linux'], ['ip', 'iproute2']];
  for (const [tool, pkg] of tools) {
    if (spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status !== 0) return `${tool} is missing (apt-get install ${pkg})`;
  }
  return undefined;
}

/** Skips with the reason on a developer's machine; fails in CI, which must run this test. */
function unavailable(t: TestContext, reason: string): void {
  if (IN_CI) assert.fail(`CI=true, so the real-rootfs installer test may not skip: ${reason}`);
  t.skip(reason);
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves when a line of the child's output matches; rejects when it exits or time is up first. */
function lineFrom(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (error?: Error): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      if (pattern.test(seen)) done();
    };
    const onExit = (code: number | null): void => done(new Error(`${what} exited (${String(code)}): ${seen.slice(-2000)}`));
    const timer = setTimeout(() => done(new Error(`${what} did not start within ${timeoutMs} ms: ${seen.slice(-2000)}`)), timeoutMs);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

const listenOn = (server: net.Server, path: string): Promise<void> =>
  new Promise((resolve, reject) => server.once('error', reject).listen(path, () => resolve()));

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The container's only way out: a forward proxy for apt to the hosts of its sources.list (plain
 * http, and CONNECT to :443 should a mirror be https). Anything else is refused.
 */
function aptProxy(hosts: ReadonlySet<string>): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const hopByHop = ['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding'];
  const server = http.createServer((req, res) => {
    const url = URL.canParse(req.url ?? '') ? new URL(req.url ?? '') : undefined;
    if (url?.protocol !== 'http:' || !hosts.has(url.hostname)) {
      res.writeHead(403).end('only the Debian mirror of this rootfs\n');
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !hopByHop.includes(name)));
    const upstream = http.request(url, { method: req.method, headers: { ...headers, host: url.host }, agent }, (answer) => {
      const back = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !hopByHop.includes(name)));
      res.writeHead(answer.statusCode ?? 502, back);
      answer.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const [host = '', port = ''] = (req.url ?? '').split(':');
    if (!hosts.has(host) || port !== '443') {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(443, host, () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  return server;
}

/** Runs in the container's network namespace (node -e): `listen=connect` pairs of tcp:PORT | unix:PATH. */
const RELAY = `
const net = require('node:net');
const at = (s) => (s.startsWith('tcp:') ? { host: '127.0.0.1', port: Number(s.slice(4)) } : { path: s.slice(5) });
const specs = process.argv.slice(1);
let waiting = specs.length;
for (const spec of specs) {
  const [from, to] = spec.split('=');
  net.createServer((a) => {
    const b = net.connect(at(to));
    a.on('error', () => b.destroy());
    b.on('error', () => a.destroy());
    a.pipe(b).pipe(a);
  }).listen(at(from), () => { if (--waiting === 0) console.log('relay ready'); });
}`;

function get(socketPath: string, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ socketPath, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Everything the test starts, stopped again by `t.after`. The cached rootfs stays. */
async function startNode(t: TestContext, built: string) {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-real-rootfs-'));
  const children: ChildProcess[] = [];
  const servers: net.Server[] = [];
  const clients: SshClient[] = [];
  const ct: { initPid?: number } = {};
  t.after(async () => {
    for (const client of clients) client.close();
    // SIGKILL: unshare --fork ignores SIGTERM; its --kill-child then ends the container's init,
    // and with it every process of the container (daemons, the relay) and every mount it made.
    // 'exit', not 'close': a killed nsenter's child may hold its pipes until the container ends.
    for (const child of children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    // The container is gone once its init is (the kernel tears its namespaces down with it).
    for (let i = 0; ct.initPid !== undefined && i < 100 && spawnSync('kill', ['-0', String(ct.initPid)]).status === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const spawnChild = (cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env === undefined ? {} : { env }) });
    children.push(child);
    return child;
  };

  // The servers the container reaches through the relay.
  const rootfs = join(built, 'rootfs');
  const mirrors = new Set([...readFileSync(join(rootfs, 'etc/apt/sources.list'), 'utf8').matchAll(/^deb\s+(\S+)/gm)].map((m) => new URL(m[1] ?? '').hostname));
  const proxy = aptProxy(mirrors);
  let downloads = 0;
  const tarball = http.createServer((req, res) => {
    if (req.url !== '/wordpress.tar.gz') {
      res.writeHead(404).end();
      return;
    }
    downloads++;
    res.writeHead(200, { 'content-type': 'application/gzip' });
    createReadStream(join(built, 'wordpress.tar.gz')).pipe(res);
  });
  servers.push(proxy, tarball);
  await listenOn(proxy, join(dir, 'apt.sock'));
  await listenOn(tarball, join(dir, 'wordpress.sock'));

  // The container, and the relay in its network namespace.
  const env = { PCT_STANDIN_VMID: String(VMID), PCT_STANDIN_ROOTFS: rootfs, PCT_STANDIN_RUN: join(dir, 'run'), PCT_STANDIN_APT_PROXY: 'http://127.0.0.1:3142' };
  mkdirSync(env.PCT_STANDIN_RUN);
  const start = spawnChild('bash', [STANDIN, 'start', String(VMID)], { ...process.env, ...env });
  await lineFrom(start, /CT \d+ started/, 30_000, 'pct start');
  ct.initPid = Number(readFileSync(join(env.PCT_STANDIN_RUN, 'init.pid'), 'utf8'));
  const web = join(dir, 'web.sock');
  const relay = spawnChild('nsenter', ['--target', String(ct.initPid), '--net', '--pid', '--', process.execPath, '-e', RELAY,
    `tcp:3142=unix:${join(dir, 'apt.sock')}`, `tcp:8080=unix:${join(dir, 'wordpress.sock')}`, `unix:${web}=tcp:80`]);
  await lineFrom(relay, /relay ready/, 15_000, 'the relay');

  // sshd with a throwaway host key, root by key only, and the stand-in as `pct` on its PATH.
  const hostKey = generateEd25519KeyPair();
  const clientKey = generateEd25519KeyPair();
  writeFileSync(join(dir, 'host_key'), hostKey.private, { mode: 0o600 });
  writeFileSync(join(dir, 'authorized_keys'), `${clientKey.public}\n`, { mode: 0o600 });
  mkdirSync(join(dir, 'bin'));
  symlinkSync(STANDIN, join(dir, 'bin/pct'));
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation directory
  const port = await freePort();
  const path = `${join(dir, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`;
  writeFileSync(join(dir, 'sshd_config'), [
    `ListenAddress 127.0.0.1:${port}`, `HostKey ${join(dir, 'host_key')}`, `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'AllowUsers root', 'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no',
    // The key files are in a directory under /tmp, which StrictModes would refuse (world-writable parent).
    'StrictModes no', 'LogLevel INFO',
    `SetEnv PATH=${path} ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}`, '',
  ].join('\n'));
  const sshd = spawnChild('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')]);
  await lineFrom(sshd, /Server listening on 127\.0\.0\.1 port/, 15_000, 'sshd');

  const parsed = ssh2.utils.parseKey(hostKey.public);
  if (parsed instanceof Error) throw parsed;
  const hostKeySha256 = sha256Fingerprint((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH());
  const client = createSshClient({ nodes: { [NODE]: { host: '127.0.0.1', port, hostKeySha256 } }, privateKey: clientKey.private });
  clients.push(client);
  const inCt = async (argv: string[]): Promise<string> => {
    const result = await client.exec({ node: NODE, command: pctExec(VMID, argv), timeoutMs: 30_000, signal: signal(), what: argv.join(' ') });
    assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  return { client, inCt, web, downloads: () => downloads };
}

test('the real installer turns a Debian container into a WordPress site over real SSH', { timeout: 12 * 60_000 }, async (t) => {
  const missing = missingPrerequisite();
  if (missing !== undefined) return unavailable(t, missing);
  const build = await run('bash', [join(REPO, 'scripts/installer-rootfs.sh')], 8 * 60_000);
  if (build.code !== 0) return unavailable(t, `the rootfs could not be built: ${build.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const built = build.stdout.trim().split('\n').at(-1) ?? '';

  const node = await startNode(t, built);
  const output: string[] = [];
  const effects = createSshEffects({
    client: node.client,
    resolveNode: async () => NODE,
    onOutput: (serviceId, line) => { assert.equal(serviceId, SITE.serviceId); output.push(line); },
    wordpressUrl: 'http://127.0.0.1:8080/wordpress.tar.gz',
  });
  const passwordOf = async (): Promise<string> => /define\( 'DB_PASSWORD', '([^']+)' \);/.exec(await node.inCt(['cat', WP_CONFIG]))?.[1] ?? '';
  const modes = async (): Promise<string[]> =>
    (await node.inCt(['stat', '-c', '%a %U:%G %n', '/var/www/html', '/var/www/html/wp-admin', '/var/www/html/wp-admin/install.php', WP_CONFIG])).trim().split('\n');
  const sql = async (statement: string): Promise<string> => (await node.inCt(['mariadb', '--protocol=socket', '-u', 'root', '-N', '-e', statement])).trim();

  await t.test('the container answers, and a vmid not on the node is "not available"', async () => {
    await effects.awaitReady(SITE, signal());
    await assert.rejects(effects.awaitReady({ ...SITE, vmid: 101 }, signal()), { code: 'NOT_READY' });
  });

  await t.test('the installer runs every step through the SSH effect, and verifyInstall agrees', async () => {
    try {
      await effects.installWordPress(SITE, signal());
    } catch (error) {
      throw new Error(`${String(error)}\n--- installer output (last 60 lines) ---\n${output.slice(-60).join('\n')}`, { cause: error });
    }
    assert.deepEqual(output.filter((line) => line.startsWith('==> step:')), STEPS.map((step) => `==> step: ${step}`));
    // As root in its own network namespace the container may load rules: the ruleset must parse.
    assert.ok(!output.some((line) => line.startsWith('!! warning:')), output.filter((line) => line.startsWith('!!')).join('\n'));
    await effects.verifyInstall(SITE, signal());
  });

  await t.test('nginx serves the WordPress installation page, and not wp-config.php', async () => {
    const page = await get(node.web, '/wp-admin/install.php', SITE.fqdn);
    assert.equal(page.status, 200);
    assert.match(page.body, /WordPress/);
    assert.match(page.body, /Installation/);
    assert.equal((await get(node.web, '/wp-config.php', SITE.fqdn)).status, 403);
  });

  await t.test('wp-config.php has the https site URL, and its password never reached the output', async () => {
    const config = await node.inCt(['cat', '/var/www/html/wp-config.php']);
    assert.match(config, /define\( 'WP_HOME', 'https:\/\/real\.example\.test' \);/);
    assert.match(config, /define\( 'WP_SITEURL', 'https:\/\/real\.example\.test' \);/);
    const password = await passwordOf();
    assert.match(password, /^[0-9a-f]{48}$/);
    assert.ok(output.every((line) => !line.includes(password)), 'the database password is not in the installer output');
  });

  await t.test('the document root is www-data\'s, directories 755, files 644, wp-config.php 640', async () => {
    assert.deepEqual(await modes(), MODES);
  });

  await t.test('a second run succeeds, keeps the password and does not extract WordPress again', async () => {
    const before = await passwordOf();
    output.length = 0;
    await effects.installWordPress(SITE, signal());
    assert.ok(output.includes('all packages already installed'), output.join('\n'));
    assert.ok(output.some((line) => line.startsWith('WordPress already installed')), output.join('\n'));
    assert.equal(output.at(-1), '==> step: done');
    assert.equal(await passwordOf(), before);
    assert.equal(node.downloads(), 1);
    await effects.verifyInstall(SITE, signal());
  });

  await t.test('a reinstall starts from scratch: files, database and user anew, a new password, the installation page again', async () => {
    const before = { password: await passwordOf(), config: await node.inCt(['cat', WP_CONFIG]) };
    // What a live site accumulates: rows in its database and files among its uploads.
    await sql('CREATE TABLE wordpress.wp_posts (id INT); INSERT INTO wordpress.wp_posts VALUES (1)');
    await node.inCt(['install', '-D', '-m', '644', '/dev/null', UPLOAD]);
    output.length = 0;
    try {
      await effects.reinstallWordPress(SITE, signal());
    } catch (error) {
      throw new Error(`${String(error)}\n--- reinstall output (last 60 lines) ---\n${output.slice(-60).join('\n')}`, { cause: error });
    }
    assert.deepEqual(output.filter((line) => line.startsWith('==> step:')), REINSTALL_STEPS.map((step) => `==> step: ${step}`));
    assert.ok(!output.some((line) => line.startsWith('!!')), output.filter((line) => line.startsWith('!!')).join('\n'));
    assert.equal(node.downloads(), 2, 'WordPress was extracted afresh');

    const password = await passwordOf();
    assert.match(password, /^[0-9a-f]{48}$/);
    assert.notEqual(password, before.password);
    const salt = (config: string) => /define\( 'AUTH_KEY', '([^']+)' \);/.exec(config)?.[1];
    assert.notEqual(salt(await node.inCt(['cat', WP_CONFIG])), salt(before.config), 'new salts');
    assert.ok(output.every((line) => !line.includes(password) && !line.includes(before.password)), 'no database password in the output');

    assert.equal(await sql("SHOW DATABASES LIKE 'wordpress'"), 'wordpress');
    assert.equal(await sql('SHOW TABLES FROM wordpress'), '', 'the old database is gone: the new one is empty');
    // The user was created again with the password in wp-config.php, read inside the CT so it never travels.
    const login = await node.inCt(['bash', '-c',
      `MYSQL_PWD=$(sed -n "s/^define( 'DB_PASSWORD', '\\(.*\\)' );$/\\1/p" ${WP_CONFIG}) mariadb --protocol=socket -u wordpress -N -e 'SELECT CURRENT_USER()' wordpress`]);
    assert.equal(login.trim(), 'wordpress@localhost');
    assert.equal((await node.client.exec({ node: NODE, command: pctExec(VMID, ['test', '-e', UPLOAD]), timeoutMs: 30_000, signal: signal(), what: 'test -e' })).code, 1, 'the uploads are gone');

    assert.deepEqual(await modes(), MODES);
    await effects.verifyInstall(SITE, signal());
    const page = await get(node.web, '/wp-admin/install.php', SITE.fqdn);
    assert.equal(page.status, 200);
    assert.match(page.body, /Installation/);
    assert.equal((await get(node.web, '/wp-config.php', SITE.fqdn)).status, 403);
  });
});
