import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from 'ssh2';
import { waitFor } from '../support/stack.js';
import { connect as connectWith, run } from './ssh-harness.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { World, type WorldContainer } from '../../src/sandbox/core/world.js';
import { createSiteServers, type SiteServers } from '../../src/sandbox/sites/site-servers.js';
import { createNodeSsh, type NodeSsh } from '../../src/sandbox/ssh/node-ssh.js';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';

const clientKey = generateEd25519KeyPair();
const hostKey = generateEd25519KeyPair();
const SITE_PORT = 20000 + Math.floor(Math.random() * 20000);
/** A loopback address of its own, so parallel test files never collide. */
const CT_IP = `127.88.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

/** What issue #4's installer will look like to the simulator: the marker, then real bash. */
const INSTALLER = `#!/bin/bash
# provisiond:wordpress-installer
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update && apt-get install -y nginx mariadb-server php-fpm
DB_PASSWORD="$(openssl rand -base64 24)"
for step in a b; do echo "$step"; done
`;

const connect = (port: number): Promise<Client> => connectWith(port, clientKey.private);
const until = (check: () => boolean, what: string): Promise<void> => waitFor(check, 2_000, what);

describe('the WordPress installer over pct exec', () => {
  const world = new World();
  let server: NodeSsh;
  let sites: SiteServers;
  let client: Client;
  let ct: WorldContainer;
  const siteErrors: Error[] = [];

  before(async () => {
    ct = { vmid: 907, node: 'node2', status: 'running', ip: CT_IP, hostname: 'customer.nodepoint.eu', files: new Map() };
    world.containers.set(907, ct);
    sites = createSiteServers({ world, port: SITE_PORT, onError: (error) => siteErrors.push(error) });
    server = createNodeSsh({ world, faults: new Faults(), latency: new Latency(0.0005), hostKey: hostKey.private, authorizedKeys: [clientKey.public] });
    client = await connect((await server.listen(0)).port);
  });
  after(async () => {
    client.end();
    await server.close();
    await sites.close();
  });

  it('has no web server before the installer ran', async () => {
    const probe = await run(client, `pct exec 907 -- curl -fsS -o /dev/null -w '%{http_code}' http://127.0.0.1/`);
    assert.deepEqual(probe, {
      stdout: '', stderr: "curl: (7) Failed to connect to 127.0.0.1 port 80 after 0 ms: Couldn't connect to server\n", code: 7,
    });
    assert.deepEqual(sites.serving(), []);
  });

  it('simulates the marked script instead of interpreting it, and the site comes up', async () => {
    const result = await run(client, 'pct exec 907 -- env SITE_URL=https://customer.nodepoint.eu bash -s', INSTALLER);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    assert.deepEqual(result.stdout.trim().split('\n'), [
      'locale', 'packages', 'nginx', 'database', 'php-fpm', 'wordpress', 'wp-config', 'permissions', 'firewall', 'done',
    ].map((step) => `==> step: ${step}`));

    const config = ct.files.get('/var/www/html/wp-config.php') ?? '';
    assert.match(config, /define\( 'WP_SITEURL', 'https:\/\/customer\.nodepoint\.eu' \);/);
    const password = /define\( 'DB_PASSWORD', '([^']+)' \);/.exec(config)?.[1] ?? '';
    assert.ok(password.length >= 24, 'a generated password, not a placeholder');
    assert.ok(!result.stdout.includes(password) && !result.stderr.includes(password), 'the password is never printed');
    assert.ok(ct.files.has('/var/www/html/wp-admin/install.php'));
    assert.ok(ct.files.has('/etc/nginx/sites-enabled/wordpress'));

    await until(() => sites.serving().some((s) => s.vmid === 907), 'the site listens');
    assert.deepEqual(sites.serving(), [{ vmid: 907, ip: CT_IP, port: SITE_PORT }]);
    const page = await fetch(`http://${CT_IP}:${SITE_PORT}/wp-admin/install.php`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<title>WordPress &rsaquo; Installation<\/title>/);
    const home = await fetch(`http://${CT_IP}:${SITE_PORT}/`, { redirect: 'manual' });
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), 'https://customer.nodepoint.eu/wp-admin/install.php');
  });

  it('lets the verification step see WordPress from inside the container', async () => {
    assert.equal((await run(client, 'pct exec 907 -- test -f /var/www/html/wp-config.php')).code, 0);
    const probe = await run(client, `pct exec 907 -- curl -fsS -o /dev/null -w '%{http_code}' http://127.0.0.1/wp-admin/install.php`);
    assert.deepEqual(probe, { stdout: '200', stderr: '', code: 0 });
    const missing = await run(client, 'pct exec 907 -- curl -fsS http://localhost/nope.php');
    assert.deepEqual(missing, { stdout: '', stderr: 'curl: (22) The requested URL returned error: 404\n', code: 22 });
  });

  it('can run twice and keeps the database password', async () => {
    const before = ct.files.get('/var/www/html/wp-config.php') ?? '';
    const again = await run(client, 'pct exec 907 -- env SITE_URL=https://customer.nodepoint.eu bash -s', INSTALLER);
    assert.equal(again.code, 0);
    const password = (text: string) => /'DB_PASSWORD', '([^']+)'/.exec(text)?.[1];
    assert.equal(password(ct.files.get('/var/www/html/wp-config.php') ?? ''), password(before));
  });

  it('closes the site when the container stops', async () => {
    ct.status = 'stopped';
    world.containerChanged(907);
    await until(() => sites.serving().length === 0, 'the site closes');
    await assert.rejects(fetch(`http://${CT_IP}:${SITE_PORT}/`));
    assert.deepEqual(siteErrors, []);
  });

  it('ends the installer with 137 when the container stops under it', async () => {
    ct.status = 'running';
    world.containerChanged(907);
    const slow = createNodeSsh({ world, faults: new Faults(), latency: new Latency(0.01), hostKey: hostKey.private, authorizedKeys: [clientKey.public] });
    const other = await connect((await slow.listen(0)).port);
    try {
      const running = run(other, 'pct exec 907 -- bash -s', INSTALLER);
      setTimeout(() => {
        ct.status = 'stopped';
        world.containerChanged(907);
      }, 150);
      const result = await running;
      assert.equal(result.code, 137);
      assert.ok(!result.stdout.includes('==> step: done'));
    } finally {
      other.end();
      await slow.close();
    }
  });
});
