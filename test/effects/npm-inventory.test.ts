/**
 * The NPM inventory against the simulator: every proxy host with the owner its marker names
 * (meta, else the first line of advanced_config; null without either), its names and forward
 * target; and putting a renamed host of ours back — only while it carries the marker named.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createNpmInventory, ownerOfHost } from '../../src/effects/npm/inventory.js';
import { EMAIL, hostBody, PASSWORD, startNpm, type NpmFixture } from './npm-harness.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('NPM inventory', () => {
  let npm: NpmFixture;
  let inventory: ReturnType<typeof createNpmInventory>;
  const idOf = (name: string): number => {
    const host = npm.sim.hosts().find((h) => h.domain_names.some((n) => n.toLowerCase() === name));
    assert.ok(host, `a host for ${name}`);
    return host.id as number;
  };

  before(async () => {
    npm = await startNpm();
    inventory = createNpmInventory({ url: npm.apiUrl, email: EMAIL, password: PASSWORD, proxyUrl: npm.proxyUrl, timeoutMs: 5000 });
    await npm.effects.createProxyHost({ serviceId: 'svc-a', fqdn: 'a.sites.test', privateIp: '127.42.0.101' });
    for (const body of [
      hostBody('plain.sites.test'),
      hostBody('B.sites.test', { advanced_config: '# provisiond:svc-b\nclient_max_body_size 64m;' }),
      hostBody('ghost.sites.test', { meta: { provisiond: 'provisiond:ghost-3' } }),
      hostBody('notes.sites.test', { advanced_config: '# managed by provisiond:svc-c, see wiki' }),
    ]) {
      const created = await npm.direct('POST', '/nginx/proxy-hosts', body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
  });
  after(async () => {
    await inventory.close();
    await npm.close();
  });

  it('lists every host with its owner, names (lower case) and forward target', async () => {
    const hosts = (await inventory.hosts(signal())).map(({ id: _id, ...rest }) => rest);
    assert.deepEqual(hosts, [
      { domainNames: ['a.sites.test'], forwardHost: '127.42.0.101', forwardPort: 80, owner: 'svc-a' },
      { domainNames: ['plain.sites.test'], forwardHost: '127.0.0.9', forwardPort: 8080, owner: null },
      { domainNames: ['b.sites.test'], forwardHost: '127.0.0.9', forwardPort: 8080, owner: 'svc-b' },
      { domainNames: ['ghost.sites.test'], forwardHost: '127.0.0.9', forwardPort: 8080, owner: 'ghost-3' },
      { domainNames: ['notes.sites.test'], forwardHost: '127.0.0.9', forwardPort: 8080, owner: null },
    ]);
  });

  it('puts a renamed host of ours back on its name and target; the effect then finds and repairs it', async () => {
    const id = idOf('a.sites.test');
    const renamed = await npm.direct('PUT', `/nginx/proxy-hosts/${id}`, { domain_names: ['renamed.sites.test', 'other.sites.test'], forward_host: '127.42.0.250', forward_port: 81 });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    await inventory.retargetHost({ serviceId: 'svc-a', id, domain: 'a.sites.test', privateIp: '127.42.0.101' }, signal());
    const host = npm.sim.hosts().find((h) => h.id === id);
    assert.deepEqual(host?.domain_names, ['a.sites.test']);
    assert.equal(host?.forward_host, '127.42.0.101');
    assert.equal(host?.forward_port, 80);
    await npm.effects.createProxyHost({ serviceId: 'svc-a', fqdn: 'a.sites.test', privateIp: '127.42.0.101' });
    assert.equal(npm.sim.hosts().filter((h) => h.domain_names.includes('a.sites.test')).length, 1);
    assert.equal(npm.sim.hosts().find((h) => h.id === id)?.meta['nginx_online'], true);
  });

  it('refuses (NOT_OURS) a host without that service\'s marker and leaves it as it is', async () => {
    for (const [name, serviceId] of [['plain.sites.test', 'svc-a'], ['b.sites.test', 'svc-a'], ['notes.sites.test', 'svc-c']] as const) {
      const id = idOf(name);
      const before = JSON.stringify(npm.sim.hosts().find((h) => h.id === id));
      await assert.rejects(inventory.retargetHost({ serviceId, id, domain: 'x.sites.test', privateIp: '127.42.0.7' }, signal()), (error: { code?: string }) => error.code === 'NOT_OURS');
      assert.equal(JSON.stringify(npm.sim.hosts().find((h) => h.id === id)), before, `${name} is unchanged`);
    }
  });

  it('treats a host that is gone as nothing to put back', async () => {
    await inventory.retargetHost({ serviceId: 'svc-a', id: 9999, domain: 'a.sites.test', privateIp: '127.42.0.101' }, signal());
  });

  it('reads an owner from meta first, else from the first line of advanced_config', () => {
    assert.equal(ownerOfHost({ meta: { provisiond: 'provisiond:m-1' }, advanced_config: '# provisiond:c-1' }), 'm-1');
    assert.equal(ownerOfHost({ meta: {}, advanced_config: '  # provisiond:c-1  \nmore' }), 'c-1');
    assert.equal(ownerOfHost({ meta: { provisiond: 'someone else' }, advanced_config: 'x\n# provisiond:c-1' }), null);
  });
});
