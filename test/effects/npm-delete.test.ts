import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hostBody, startNpm, type NpmFixture } from './npm-harness.js';

describe('deleteProxyHost against the NPM simulator', () => {
  let npm: NpmFixture;
  before(async () => {
    npm = await startNpm();
  });
  after(async () => npm.close());

  const hostFor = (fqdn: string) => npm.sim.hosts().find((host) => host.domain_names.includes(fqdn));
  const certificatesFor = async (fqdn: string) =>
    ((await npm.direct('GET', '/nginx/certificates')).body as { id: number; domain_names: string[] }[]).filter(
      (cert) => cert.domain_names.length === 1 && cert.domain_names[0] === fqdn,
    );

  it('deletes our host and then its certificate; a second delete succeeds', async () => {
    await npm.effects.createProxyHost({ serviceId: 'svc-1', fqdn: 'a.sites.test', privateIp: '127.42.0.10' });
    await npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'a.sites.test' });
    assert.equal(hostFor('a.sites.test'), undefined);
    assert.deepEqual(await certificatesFor('a.sites.test'), []);
    await npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'a.sites.test' });
  });

  it('succeeds for a name that never had a host', async () => {
    await npm.effects.deleteProxyHost({ serviceId: 'svc-1', fqdn: 'never.sites.test' });
  });

  it('cleans up a certificate left by a delete interrupted after the host was gone', async () => {
    await npm.direct('POST', '/nginx/certificates', { provider: 'letsencrypt', domain_names: ['b.sites.test'] });
    await npm.effects.deleteProxyHost({ serviceId: 'svc-2', fqdn: 'b.sites.test' });
    assert.deepEqual(await certificatesFor('b.sites.test'), []);
  });

  it('leaves a foreign host on the name, and its certificate, untouched and succeeds', async () => {
    const cert = await npm.direct('POST', '/nginx/certificates', { provider: 'letsencrypt', domain_names: ['c.sites.test'] });
    const created = await npm.direct('POST', '/nginx/proxy-hosts', hostBody('c.sites.test', { certificate_id: cert.body.id }));
    npm.faults.resetCounters();
    await npm.effects.deleteProxyHost({ serviceId: 'svc-3', fqdn: 'c.sites.test' });
    assert.equal(hostFor('c.sites.test')?.id, created.body.id);
    assert.equal((await certificatesFor('c.sites.test')).length, 1);
    assert.equal(npm.faults.counts()['npm.proxy_hosts.delete'], undefined);
    assert.equal(npm.faults.counts()['npm.certificates.delete'], undefined);
  });

  it('never deletes a certificate that another host still uses', async () => {
    await npm.effects.createProxyHost({ serviceId: 'svc-4', fqdn: 'd.sites.test', privateIp: '127.42.0.11' });
    const ours = hostFor('d.sites.test');
    assert.ok(ours);
    // Someone points a second host (another name) at our certificate.
    await npm.direct('POST', '/nginx/proxy-hosts', hostBody('alias.sites.test', { certificate_id: ours.certificate_id }));
    await npm.effects.deleteProxyHost({ serviceId: 'svc-4', fqdn: 'd.sites.test' });
    assert.equal(hostFor('d.sites.test'), undefined);
    assert.equal((await certificatesFor('d.sites.test')).length, 1);
    assert.equal(hostFor('alias.sites.test')?.served, true, 'nginx still serves the other host');
  });
});
