import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import { World, type WorldContainer } from '../../src/sandbox/core/world.js';
import { createSiteServers, type SiteServers } from '../../src/sandbox/sites/site-servers.js';
import { waitFor } from '../support/stack.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
const subnet = `127.99.${Math.floor(Math.random() * 250) + 1}`;
const WP_CONFIG = '/var/www/html/wp-config.php';

function configured(vmid: number, overrides: Partial<WorldContainer> = {}): WorldContainer {
  return {
    vmid, node: 'node1', status: 'running', ip: `${subnet}.${vmid % 250}`, hostname: `ct${vmid}.nodepoint.eu`,
    files: new Map([
      [WP_CONFIG, "<?php\ndefine( 'DB_NAME', 'wordpress' );\n"],
      ['/var/www/html/index.php', '<?php\n'],
      ['/var/www/html/wp-admin/install.php', '<?php\n'],
      ['/var/www/html/license.txt', 'WordPress - Web publishing software\n'],
    ]),
    ...overrides,
  };
}

const until = (check: () => boolean, what: string): Promise<void> => waitFor(check, 2_000, what);

/** A raw GET with our own Host header (fetch will not let us set it). */
function get(ip: string, path: string, host = 'customer.nodepoint.eu'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: PORT, path, headers: { host }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the containers\' web servers', () => {
  const world = new World();
  const errors: { error: Error; vmid: number }[] = [];
  const sites: SiteServers = createSiteServers({ world, port: PORT, onError: (error, vmid) => errors.push({ error, vmid }) });
  after(() => sites.close());

  const add = (container: WorldContainer) => {
    world.containers.set(container.vmid, container);
    world.containerChanged(container.vmid);
  };

  it('serves a running, configured container on its address', async () => {
    add(configured(101));
    add(configured(102, { status: 'stopped' }));
    add(configured(103, { files: new Map() }));
    add(configured(104, { ip: null }));
    await until(() => sites.serving().length > 0, 'a site listens');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(sites.serving(), [{ vmid: 101, ip: `${subnet}.101`, port: PORT }]);
  });

  it('answers the WordPress setup page as WordPress does before setup', async () => {
    const page = await get(`${subnet}.101`, '/wp-admin/install.php');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers.server, 'nginx/1.22.1');
    assert.match(page.body, /<title>WordPress &rsaquo; Installation<\/title>/);
    assert.match(page.body, /action="install.php\?step=2"/);
  });

  it('redirects every other WordPress URL to the setup page on the request\'s host', async () => {
    for (const path of ['/', '/about/', '/index.php', '/wp-admin/']) {
      const page = await get(`${subnet}.101`, path);
      assert.equal(page.status, 302, path);
      assert.equal(page.headers.location, 'http://customer.nodepoint.eu/wp-admin/install.php');
      assert.equal(page.headers['x-redirect-by'], 'WordPress');
      assert.equal(page.body, '');
    }
  });

  it('answers files, directories and missing PHP files as nginx does', async () => {
    const license = await get(`${subnet}.101`, '/license.txt');
    assert.deepEqual([license.status, license.headers['content-type'], license.body], [200, 'text/plain', 'WordPress - Web publishing software\n']);
    const dir = await get(`${subnet}.101`, '/wp-admin');
    assert.equal(dir.status, 301);
    assert.equal(dir.headers.location, 'http://customer.nodepoint.eu/wp-admin/');
    const missing = await get(`${subnet}.101`, '/nope.php');
    assert.equal(missing.status, 404);
    assert.match(missing.body, /<center><h1>404 Not Found<\/h1><\/center>\r\n<hr><center>nginx\/1\.22\.1<\/center>/);
  });

  it('closes the server when the container stops or is destroyed', async () => {
    add(configured(105));
    await until(() => sites.serving().some((s) => s.vmid === 105), 'CT 105 serves');
    const ct101 = world.containers.get(101);
    assert.ok(ct101 !== undefined);
    ct101.status = 'stopped';
    world.containerChanged(101);
    world.containers.delete(105);
    world.containerChanged(105);
    await until(() => sites.serving().length === 0, 'both sites close');
    await assert.rejects(get(`${subnet}.101`, '/'), /ECONNREFUSED/);
    await assert.rejects(get(`${subnet}.105`, '/'), /ECONNREFUSED/);
  });

  it('moves with the container when its address changes', async () => {
    add(configured(106));
    await until(() => sites.serving().some((s) => s.vmid === 106), 'CT 106 serves');
    const ct = world.containers.get(106);
    assert.ok(ct !== undefined);
    ct.ip = `${subnet}.206`;
    world.containerChanged(106);
    await until(() => sites.serving().some((s) => s.ip === `${subnet}.206`), 'CT 106 serves on its new address');
    assert.equal((await get(`${subnet}.206`, '/wp-admin/install.php')).status, 200);
    await assert.rejects(get(`${subnet}.106`, '/'), /ECONNREFUSED/);
  });

  it('reports an address in use and a non-loopback address once, without crashing', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(PORT, `${subnet}.107`, resolve));
    add(configured(107));
    add(configured(108, { ip: '203.0.113.105' }));
    await until(() => errors.length >= 2, 'both failures are reported');
    for (let i = 0; i < 3; i++) {
      world.containerChanged(107);
      world.containerChanged(108);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(errors.map(({ vmid }) => vmid).sort(), [107, 108]);
    const byVmid = new Map(errors.map(({ error, vmid }) => [vmid, error]));
    assert.equal((byVmid.get(107) as NodeJS.ErrnoException | undefined)?.code, 'EADDRINUSE');
    assert.match(byVmid.get(108)?.message ?? '', /not a loopback address/);
    assert.ok(!sites.serving().some((s) => s.vmid === 107 || s.vmid === 108));

    await new Promise((resolve) => squatter.close(resolve));
    world.containerChanged(107);
    await until(() => sites.serving().some((s) => s.vmid === 107), 'CT 107 serves once the address is free');
  });

  it('closes every server on close', async () => {
    const other = new World();
    other.containers.set(109, configured(109));
    const own = createSiteServers({ world: other, port: PORT });
    await until(() => own.serving().length === 1, 'CT 109 serves');
    await own.close();
    assert.deepEqual(own.serving(), []);
    await assert.rejects(get(`${subnet}.109`, '/'), /ECONNREFUSED/);
  });
});
