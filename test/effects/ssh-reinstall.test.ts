/**
 * reinstallWordPress against the simulated node (the simulator recognises the installer by its
 * marker and simulates INSTALL_MODE=reinstall: the site's files and database go, then it
 * installs as the first time), and the real script's check of the new parameter.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { SshClient } from '../../src/effects/ssh/ssh-client.js';
import { INSTALLER_PATH } from '../../src/effects/ssh/installer-script.js';
import { waitFor } from '../support/stack.js';
import { failureOf, startHarness, type Harness } from './ssh-harness.js';

const signal = (): AbortSignal => new AbortController().signal;
const WP_CONFIG = '/var/www/html/wp-config.php';
const UPLOAD = '/var/www/html/wp-content/uploads/2025/01/cat.jpg';
const PLUGIN = '/var/www/html/wp-content/plugins/evil/evil.php';
const TABLE = '/var/lib/mysql/wordpress/wp_posts.ibd';
const REINSTALL_STEPS = ['locale', 'packages', 'reset', 'nginx', 'database', 'php-fpm', 'wordpress', 'wp-config', 'permissions', 'firewall', 'done'];
const passwordOf = (config: string | undefined): string | undefined => /define\( 'DB_PASSWORD', '([^']+)' \);/.exec(config ?? '')?.[1];

describe('reinstallWordPress against the simulated node', () => {
  let h: Harness;
  let client: SshClient;
  let effects: ReturnType<Harness['effects']>;
  let sites: ReturnType<Harness['serveSites']>;
  const output: string[] = [];
  const site = (vmid: number) => ({ serviceId: `svc-${vmid}`, vmid, fqdn: `site${vmid}.example.com` });
  const files = (vmid: number) => h.world.containers.get(vmid)?.files ?? new Map<string, string>();
  const installPage = async (vmid: number): Promise<number> => {
    const ct = h.world.containers.get(vmid);
    await waitFor(() => sites.serving().some((s) => s.vmid === vmid), 2_000, `CT ${vmid} serves its site`);
    const page = await fetch(`http://${ct?.ip ?? ''}:${sites.port}/wp-admin/install.php`, { headers: { host: site(vmid).fqdn } });
    await page.body?.cancel();
    return page.status;
  };
  /** What a customer's months leave behind: uploads, a plugin, rows in the database. */
  const useSite = (vmid: number): void => {
    files(vmid).set(UPLOAD, 'JFIF…');
    files(vmid).set(PLUGIN, '<?php system($_GET["c"]);');
    files(vmid).set(TABLE, 'rows');
  };

  before(async () => {
    // 0.004 s per model second: one simulated installer run (75 model s) takes 300 ms.
    h = await startHarness({ timeScale: 0.004 });
    client = h.client();
    effects = h.effects(client, { onOutput: (_serviceId, line) => output.push(line) });
    sites = h.serveSites();
    h.addContainer(930, 'node1');
    await effects.installWordPress(site(930), signal());
    useSite(930);
  });
  after(() => h.close());

  it('starts from scratch: the files and database go, a new password is generated, the site answers again', async () => {
    const oldPassword = passwordOf(files(930).get(WP_CONFIG)) ?? '';
    output.length = 0;
    await effects.reinstallWordPress(site(930), signal());

    assert.deepEqual(output.filter((line) => line.startsWith('==> step:')), REINSTALL_STEPS.map((s) => `==> step: ${s}`));
    for (const gone of [UPLOAD, PLUGIN, TABLE]) assert.equal(files(930).has(gone), false, `${gone} is gone`);
    const newPassword = passwordOf(files(930).get(WP_CONFIG)) ?? '';
    assert.ok(newPassword.length >= 24, 'a generated password');
    assert.notEqual(newPassword, oldPassword);
    assert.ok(files(930).has('/var/lib/mysql/wordpress/db.opt'), 'the database exists again');
    for (const secret of [oldPassword, newPassword]) {
      assert.ok(output.every((line) => !line.includes(secret)), 'no database password in the output');
    }
    assert.equal(await installPage(930), 200);
    await effects.verifyInstall(site(930), signal());
  });

  it('leaves what a first install leaves: the same files, only the secrets differ', async () => {
    h.addContainer(931, 'node2');
    await effects.installWordPress(site(931), signal());
    const first = files(931);
    const again = files(930);
    assert.deepEqual([...again.keys()].sort(), [...first.keys()].sort());
    const secretless = (text: string | undefined) => text?.replace(/define\( '(?:DB_PASSWORD|[A-Z_]*(?:KEY|SALT))', '[^']*' \);/g, '').replace(/site93[01]/g, 'site');
    for (const path of first.keys()) {
      if (path === '/etc/hostname') continue;
      assert.equal(secretless(again.get(path)), secretless(first.get(path)), path);
    }
  });

  it('runs again harmlessly when repeated: it reinstalls once more and ends installed', async () => {
    const before = passwordOf(files(930).get(WP_CONFIG));
    useSite(930);
    await effects.reinstallWordPress(site(930), signal());
    assert.notEqual(passwordOf(files(930).get(WP_CONFIG)), before);
    assert.equal(files(930).has(UPLOAD), false);
    await effects.verifyInstall(site(930), signal());
  });

  it('finishes a reinstall that was cut short after the reset when it runs again', async () => {
    h.addContainer(932, 'node1');
    await effects.installWordPress(site(932), signal());
    useSite(932);
    const controller = new AbortController();
    const cut = h.effects(client, { onOutput: (_id, line) => { if (line === '==> step: database') controller.abort(); } });
    const failure = await failureOf(cut.reinstallWordPress(site(932), controller.signal));
    assert.deepEqual([failure.code, failure.retryable], ['UPSTREAM_UNAVAILABLE', true]);
    await waitFor(() => h.ssh.nodeCounts().node1?.inFlight === 0, 2_000, 'the simulated installer ends');
    assert.equal(files(932).has(WP_CONFIG), false, 'stopped between the reset and the install');
    assert.equal((await failureOf(effects.verifyInstall(site(932), signal()))).code, 'VERIFY_FAILED');

    await effects.reinstallWordPress(site(932), signal());
    assert.equal(files(932).has(UPLOAD), false);
    await effects.verifyInstall(site(932), signal());
  });

  it('reports a stopped container as NOT_READY and resets nothing', async () => {
    const ct = h.addContainer(933, 'node2', 'stopped');
    ct.files.set(WP_CONFIG, "<?php define( 'DB_PASSWORD', 'kept' );");
    const failure = await failureOf(effects.reinstallWordPress(site(933), signal()));
    assert.deepEqual([failure.code, failure.retryable], ['NOT_READY', true]);
    assert.equal(ct.files.has(WP_CONFIG), true);
  });

  it('names a failed reinstall and its step, permanently', async () => {
    h.addContainer(934, 'node1');
    const failing = h.effects(client, {
      // No marker: the simulator runs this as bash would, line by line.
      installerScript: ["echo '==> step: reset'", 'echo ERROR 1045 Access denied', "echo '!! failed at step: reset'", 'exit 1', ''].join('\n'),
    });
    const failure = await failureOf(failing.reinstallWordPress(site(934), signal()));
    assert.deepEqual([failure.code, failure.retryable], ['INSTALL_FAILED', false]);
    assert.deepEqual(failure.details, { step: 'reset', exitCode: 1 });
    assert.match(failure.message, /^WordPress reinstall failed at step reset/);
  });
});

describe('the installer script\'s INSTALL_MODE', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'provisiond-install-mode-'));
  const bash = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();
  /** The real script with only its parameter check (VALIDATE_ONLY=1) and no programs on PATH. */
  const validate = (mode: string | undefined) =>
    spawnSync(bash, ['-s'], {
      input: readFileSync(fileURLToPath(INSTALLER_PATH)),
      cwd: scratch,
      encoding: 'utf8',
      env: {
        PATH: join(scratch, 'no-programs'), VALIDATE_ONLY: '1', SITE_HOST: 'blog.example.com', SITE_URL: 'https://blog.example.com',
        ...(mode === undefined ? {} : { INSTALL_MODE: mode }),
      },
    });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('accepts install (the default) and reinstall', () => {
    for (const mode of [undefined, 'install', 'reinstall']) {
      const ran = validate(mode);
      assert.equal(ran.status, 0, `${String(mode)}: ${ran.stderr}`);
    }
  });

  it('refuses anything else at the parameters step', () => {
    for (const mode of ['Reinstall', 'reinstall ', 'purge', '$(touch pwned)', '1']) {
      const ran = validate(mode);
      assert.equal(ran.status, 2, mode);
      assert.match(ran.stderr, /INSTALL_MODE must be install or reinstall\n!! failed at step: parameters\n$/);
    }
  });
});
