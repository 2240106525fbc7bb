import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SshClient } from '../../src/effects/ssh/ssh-client.js';
import { waitFor } from '../support/stack.js';
import { failureOf, startHarness, type Harness } from './ssh-harness.js';

const signal = (): AbortSignal => new AbortController().signal;
const WP_CONFIG = '/var/www/html/wp-config.php';
const STEPS = ['locale', 'packages', 'nginx', 'database', 'php-fpm', 'wordpress', 'wp-config', 'permissions', 'firewall', 'done'];
const passwordOf = (config: string | undefined): string | undefined => /define\( 'DB_PASSWORD', '([^']+)' \);/.exec(config ?? '')?.[1];

describe('installWordPress and verifyInstall against the simulated node', () => {
  let h: Harness;
  let client: SshClient;
  const output: [string, string][] = [];
  let effects: ReturnType<Harness['effects']>;
  let sites: ReturnType<Harness['serveSites']>;

  before(async () => {
    // 0.004 s per model second: the simulated installer (75 model s) takes 300 ms.
    h = await startHarness({ timeScale: 0.004 });
    client = h.client();
    effects = h.effects(client, { onOutput: (serviceId, line) => output.push([serviceId, line]) });
    sites = h.serveSites();
  });
  after(() => h.close());

  it('installs WordPress, streams every step line, and the site answers', async () => {
    const ct = h.addContainer(920, 'node1');
    await effects.installWordPress({ serviceId: 'svc-920', vmid: 920, fqdn: 'Blog.Example.COM' }, signal());

    assert.deepEqual(output.filter(([, line]) => line.startsWith('==> step:')), STEPS.map((s) => ['svc-920', `==> step: ${s}`]));
    const config = ct.files.get(WP_CONFIG) ?? '';
    assert.match(config, /define\( 'WP_SITEURL', 'https:\/\/blog\.example\.com' \);/);
    assert.match(config, /HTTP_X_FORWARDED_PROTO/);
    const password = passwordOf(config) ?? '';
    assert.ok(password.length >= 24);
    assert.ok(output.every(([, line]) => !line.includes(password)), 'the database password never reaches the output');

    await waitFor(() => sites.serving().some((s) => s.vmid === 920), 2_000, 'the site listens');
    const page = await fetch(`http://${ct.ip}:${sites.port}/wp-admin/install.php`, { headers: { host: 'blog.example.com' } });
    assert.equal(page.status, 200);
    await page.body?.cancel();
  });

  it('verifies the install it just made', async () => {
    await effects.verifyInstall({ serviceId: 'svc-920', vmid: 920, fqdn: 'blog.example.com' }, signal());
  });

  it('runs again without changing the database password (the script is idempotent)', async () => {
    const ct = h.world.containers.get(920);
    const first = passwordOf(ct?.files.get(WP_CONFIG));
    await effects.installWordPress({ serviceId: 'svc-920', vmid: 920, fqdn: 'blog.example.com' }, signal());
    assert.equal(passwordOf(ct?.files.get(WP_CONFIG)), first);
    await effects.verifyInstall({ serviceId: 'svc-920', vmid: 920, fqdn: 'blog.example.com' }, signal());
  });

  it('keeps installing when the output sink throws', async () => {
    h.addContainer(921, 'node2');
    const loud = h.effects(client, { onOutput: () => { throw new Error('log sink down'); } });
    await loud.installWordPress({ serviceId: 'svc-921', vmid: 921, fqdn: 'a.example.com' }, signal());
    assert.ok(h.world.containers.get(921)?.files.has(WP_CONFIG));
  });

  it('fails verification permanently when wp-config.php is missing', async () => {
    h.addContainer(922, 'node1');
    const failure = await failureOf(effects.verifyInstall({ serviceId: 'svc-922', vmid: 922, fqdn: 'c.example.com' }, signal()));
    assert.equal(failure.code, 'VERIFY_FAILED');
    assert.equal(failure.retryable, false);
    assert.match(failure.message, /wp-config\.php/);
  });

  it('fails verification retryably while WordPress does not answer 200', async () => {
    const ct = h.world.containers.get(921);
    ct?.files.delete('/var/www/html/wp-admin/install.php');
    const failure = await failureOf(effects.verifyInstall({ serviceId: 'svc-921', vmid: 921, fqdn: 'a.example.com' }, signal()));
    assert.equal(failure.code, 'VERIFY_FAILED');
    assert.equal(failure.retryable, true);
    assert.deepEqual((failure.details as { httpStatus: string }).httpStatus, '404');
  });

  it('reports a stopped container as NOT_READY for install and verify', async () => {
    h.addContainer(923, 'node1', 'stopped');
    for (const run of [effects.installWordPress, effects.verifyInstall]) {
      const failure = await failureOf(run({ serviceId: 'svc-923', vmid: 923, fqdn: 'd.example.com' }, signal()));
      assert.equal(failure.code, 'NOT_READY');
      assert.equal(failure.retryable, true);
    }
    assert.equal(h.world.containers.get(923)?.files.size, 0);
  });

  it('maps an installer that stops at a step to a permanent INSTALL_FAILED naming that step', async () => {
    h.addContainer(924, 'node1');
    const lines: string[] = [];
    const failing = h.effects(client, {
      onOutput: (_id, line) => lines.push(line),
      // No marker: the simulator interprets this like bash would, line by line.
      installerScript: ["echo '==> step: parameters'", "echo '==> step: packages'", 'echo E: Unable to locate package php-fpm', "echo '!! failed at step: packages'", 'exit 100', ''].join('\n'),
    });
    const failure = await failureOf(failing.installWordPress({ serviceId: 'svc-924', vmid: 924, fqdn: 'e.example.com' }, signal()));
    assert.equal(failure.code, 'INSTALL_FAILED');
    assert.equal(failure.retryable, false);
    assert.deepEqual(failure.details, { step: 'packages', exitCode: 100 });
    assert.match(failure.message, /step packages/);
    assert.deepEqual(lines.slice(-2), ['E: Unable to locate package php-fpm', '!! failed at step: packages']);
  });

  it('reports a connection lost at the start of the install as retryable', async () => {
    h.addContainer(925, 'node2');
    h.faults.inject({ op: 'ssh.exec', kind: 'reset' });
    const failure = await failureOf(effects.installWordPress({ serviceId: 'svc-925', vmid: 925, fqdn: 'f.example.com' }, signal()));
    assert.equal(failure.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(failure.retryable, true);
    // Running it again (what the machine does) completes the install.
    await effects.installWordPress({ serviceId: 'svc-925', vmid: 925, fqdn: 'f.example.com' }, signal());
    assert.ok(h.world.containers.get(925)?.files.has(WP_CONFIG));
  });

  it('closes the channel when the signal aborts, and the installer stops', async () => {
    h.addContainer(926, 'node1');
    const controller = new AbortController();
    const pending = failureOf(effects.installWordPress({ serviceId: 'svc-926', vmid: 926, fqdn: 'g.example.com' }, controller.signal));
    setTimeout(() => controller.abort(), 40);
    const failure = await pending;
    assert.match(failure.message, /cancelled/);
    await waitFor(() => h.ssh.nodeCounts().node1?.inFlight === 0, 2_000, 'the simulated installer ends');
    assert.equal(h.world.containers.get(926)?.files.has(WP_CONFIG), false);
  });

  it('times out a hung installer with a retryable UPSTREAM_TIMEOUT', async () => {
    h.addContainer(927, 'node2');
    const quick = h.effects(client, { timeouts: { installMs: 100 } });
    h.faults.inject({ op: 'ssh.exec', kind: 'timeout' });
    const failure = await failureOf(quick.installWordPress({ serviceId: 'svc-927', vmid: 927, fqdn: 'h.example.com' }, signal()));
    assert.equal(failure.code, 'UPSTREAM_TIMEOUT');
    assert.equal(failure.retryable, true);
  });
});
