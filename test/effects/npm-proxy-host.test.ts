import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, hostBody, startNpm, type NpmFixture } from './npm-harness.js';

const input = (fqdn: string, serviceId = 'svc-1') => ({ serviceId, fqdn, privateIp: '127.42.0.101' });

describe('createProxyHost against the NPM simulator', () => {
  let npm: NpmFixture;
  before(async () => {
    npm = await startNpm();
  });
  after(async () => npm.close());

  const hostFor = (fqdn: string) => npm.sim.hosts().find((host) => host.domain_names.includes(fqdn));
  /** Wait until our create request is held in the simulator (its lookup is done). */
  const createInFlight = async () => {
    while ((npm.faults.counts()['npm.proxy_hosts.create']?.inFlight ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  };
  const certificatesFor = async (fqdn: string) =>
    ((await npm.direct('GET', '/nginx/certificates')).body as { id: number; domain_names: string[] }[]).filter(
      (cert) => cert.domain_names.length === 1 && cert.domain_names[0] === fqdn,
    );

  it('orders the certificate first and creates an online host with its numeric id, the flags and our marker', async () => {
    npm.faults.resetCounters();
    await npm.effects.createProxyHost(input('a.sites.test'));
    const host = hostFor('a.sites.test');
    assert.ok(host);
    const [cert] = await certificatesFor('a.sites.test');
    assert.ok(cert);
    assert.equal(host.certificate_id, cert.id);
    assert.equal(host.forward_host, '127.42.0.101');
    assert.equal(host.forward_port, 80);
    assert.equal(host.forward_scheme, 'http');
    for (const flag of ['ssl_forced', 'http2_support', 'caching_enabled', 'allow_websocket_upgrade', 'block_exploits']) {
      assert.equal(host[flag], true, flag);
    }
    assert.equal(host['hsts_enabled'], false);
    assert.equal(host.meta['provisiond'], 'provisiond:svc-1');
    assert.match(String(host['advanced_config']), /^# provisiond:svc-1\n/);
    assert.equal(host.meta['nginx_online'], true);
    assert.equal(host.served, true);
    const counts = npm.faults.counts();
    assert.equal(counts['npm.certificates.create']?.calls, 1);
    assert.equal(counts['npm.proxy_hosts.create']?.calls, 1);
  });

  it('is idempotent: a second call makes no new host and orders no new certificate', async () => {
    npm.faults.resetCounters();
    await npm.effects.createProxyHost(input('a.sites.test'));
    assert.equal(npm.sim.hosts().filter((host) => host.domain_names.includes('a.sites.test')).length, 1);
    assert.equal((await certificatesFor('a.sites.test')).length, 1);
    const counts = npm.faults.counts();
    assert.equal(counts['npm.certificates.create'], undefined);
    assert.equal(counts['npm.proxy_hosts.create'], undefined);
    assert.equal(counts['npm.proxy_hosts.update'], undefined);
  });

  it('adopts a host created before a crash (marker in advanced_config only) and fixes its drift', async () => {
    const cert = await npm.direct('POST', '/nginx/certificates', { provider: 'letsencrypt', domain_names: ['b.sites.test'] });
    const created = await npm.direct('POST', '/nginx/proxy-hosts', hostBody('b.sites.test', {
      certificate_id: cert.body.id, advanced_config: '# provisiond:svc-2\nclient_max_body_size 64m;',
    }));
    assert.equal(created.status, 201);
    npm.faults.resetCounters();
    await npm.effects.createProxyHost(input('b.sites.test', 'svc-2'));
    const host = hostFor('b.sites.test');
    assert.ok(host);
    assert.equal(host.id, created.body.id);
    assert.equal(host.certificate_id, cert.body.id);
    assert.equal(host.forward_host, '127.42.0.101');
    assert.equal(host.forward_port, 80);
    assert.equal(host['ssl_forced'], true);
    assert.equal(host['advanced_config'], '# provisiond:svc-2\nclient_max_body_size 64m;', 'what an operator added is kept');
    assert.equal(host.meta['provisiond'], 'provisiond:svc-2');
    assert.equal(npm.faults.counts()['npm.certificates.create'], undefined, 'the valid certificate is reused');
  });

  it('refuses a host without our marker (NOT_OURS), changes nothing and orders no certificate', async () => {
    const created = await npm.direct('POST', '/nginx/proxy-hosts', hostBody('c.sites.test'));
    npm.faults.resetCounters();
    await assert.rejects(npm.effects.createProxyHost(input('c.sites.test')), (error) => {
      assert.deepEqual(errorOf(error), { code: 'NOT_OURS', retryable: false, system: 'npm' });
      return true;
    });
    const host = hostFor('c.sites.test');
    assert.equal(host?.forward_port, 8080);
    assert.equal(host?.modified_on, created.body.modified_on);
    assert.equal(npm.faults.counts()['npm.certificates.create'], undefined);
    assert.equal(npm.faults.counts()['npm.proxy_hosts.update'], undefined);
  });

  it('treats another service\'s marker as foreign', async () => {
    await npm.effects.createProxyHost(input('d.sites.test', 'svc-owner'));
    await assert.rejects(npm.effects.createProxyHost(input('d.sites.test', 'svc-other')), { code: 'NOT_OURS' });
    assert.equal(hostFor('d.sites.test')?.meta['provisiond'], 'provisiond:svc-owner');
  });

  it('repairs a half host of ours (no certificate, SSL flags dropped, disabled)', async () => {
    const created = await npm.direct('POST', '/nginx/proxy-hosts', hostBody('e.sites.test', {
      meta: { provisiond: 'provisiond:svc-5' }, ssl_forced: true, enabled: false,
    }));
    assert.equal(created.body.certificate_id, 0);
    await npm.effects.createProxyHost(input('e.sites.test', 'svc-5'));
    const host = hostFor('e.sites.test');
    assert.ok(host);
    assert.equal(host.id, created.body.id);
    assert.ok(host.certificate_id > 0);
    assert.equal(host.enabled, true);
    assert.equal(host['ssl_forced'], true);
    assert.equal(host.meta['nginx_online'], true);
    assert.equal(host.served, true);
  });

  it('survives the "already in use" race: a host of ours appearing between lookup and create is adopted', async () => {
    npm.faults.inject({ op: 'npm.proxy_hosts.create', kind: 'latency', latencyMs: 300 });
    const run = npm.effects.createProxyHost(input('f.sites.test', 'svc-6'));
    await createInFlight();
    const raced = await npm.direct('POST', '/nginx/proxy-hosts', hostBody('f.sites.test', { meta: { provisiond: 'provisiond:svc-6' } }));
    assert.equal(raced.status, 201);
    await run;
    const hosts = npm.sim.hosts().filter((host) => host.domain_names.includes('f.sites.test'));
    assert.equal(hosts.length, 1);
    assert.equal(hosts[0]?.id, raced.body.id);
    assert.ok((hosts[0]?.certificate_id ?? 0) > 0);
    assert.equal(hosts[0]?.served, true);
  });

  it('answers NOT_OURS when a foreign host wins the race', async () => {
    npm.faults.inject({ op: 'npm.proxy_hosts.create', kind: 'latency', latencyMs: 300 });
    const run = npm.effects.createProxyHost(input('g.sites.test'));
    await createInFlight();
    await npm.direct('POST', '/nginx/proxy-hosts', hostBody('g.sites.test'));
    await assert.rejects(run, { code: 'NOT_OURS' });
    assert.equal(hostFor('g.sites.test')?.forward_port, 8080);
  });

  it('logs in again once when the token expires in the middle of an operation', async () => {
    await npm.effects.createProxyHost(input('h0.sites.test'));
    npm.faults.resetCounters();
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'latency', latencyMs: 120 });
    const run = npm.effects.createProxyHost(input('h.sites.test'));
    setTimeout(() => npm.sim.expireTokens(), 40);
    await run;
    assert.equal(hostFor('h.sites.test')?.served, true);
    assert.equal(npm.faults.counts()['npm.tokens.create']?.calls, 1, 'one login after the expiry, none before');
  });

  it('forwards to the configured site port and sets HSTS when configured', async () => {
    const effects = npm.effectsWith({ sitePort: 8081, hsts: true });
    await effects.createProxyHost(input('i.sites.test'));
    const host = hostFor('i.sites.test');
    assert.equal(host?.forward_port, 8081);
    assert.equal(host?.['hsts_enabled'], true);
  });

  it('serialises certificate orders: three sites at once all succeed without a certbot collision', async () => {
    const effects = npm.effectsWith({});
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'latency', latencyMs: 30, times: 3 });
    await Promise.all(['j1', 'j2', 'j3'].map((name) => effects.createProxyHost(input(`${name}.sites.test`))));
    for (const name of ['j1', 'j2', 'j3']) assert.equal(hostFor(`${name}.sites.test`)?.served, true);
  });
});
