import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, startNpm, startWordPress, type NpmFixture, type Upstream } from './npm-harness.js';

describe('checkLive through the NPM simulator\'s reverse proxy', () => {
  let npm: NpmFixture;
  let site: Upstream;
  before(async () => {
    site = await startWordPress();
    npm = await startNpm({ effects: { sitePort: site.port } });
  });
  after(async () => {
    await npm.close();
    await site.close();
  });

  const notLive = (error: unknown) => {
    assert.deepEqual(errorOf(error), { code: 'SITE_NOT_LIVE', retryable: true, system: 'npm' });
    return true;
  };

  it('passes when WordPress\'s install page answers through the proxy host for the name', async () => {
    await npm.effects.createProxyHost({ serviceId: 'svc-1', fqdn: 'live.sites.test', privateIp: site.ip });
    await npm.effects.checkLive({ serviceId: 'svc-1', fqdn: 'live.sites.test' });
  });

  it('is SITE_NOT_LIVE for a name the proxy does not know', async () => {
    await assert.rejects(npm.effects.checkLive({ serviceId: 'svc-2', fqdn: 'unknown.sites.test' }), notLive);
  });

  it('is SITE_NOT_LIVE when the proxy is reachable but the upstream is down (502)', async () => {
    const down = await startWordPress();
    await down.close();
    const effects = npm.effectsWith({ sitePort: down.port });
    await effects.createProxyHost({ serviceId: 'svc-3', fqdn: 'down.sites.test', privateIp: down.ip });
    await assert.rejects(effects.checkLive({ serviceId: 'svc-3', fqdn: 'down.sites.test' }), (error) => {
      notLive(error);
      assert.equal((error as { details?: { status?: number } }).details?.status, 502);
      return true;
    });
  });

  it('is SITE_NOT_LIVE when the proxy does not answer in time', async () => {
    const effects = npm.effectsWith({ timeoutMs: 100 });
    npm.faults.inject({ op: 'npm.proxy.forward', kind: 'timeout' });
    await assert.rejects(effects.checkLive({ serviceId: 'svc-1', fqdn: 'live.sites.test' }), notLive);
  });
});

describe('checkLive with NPM\'s factory default site', () => {
  it('is not fooled by the 200 "Congratulations" page for an unknown name', async () => {
    const npm = await startNpm({ sim: { defaultSite: 'congratulations' } });
    try {
      await assert.rejects(npm.effects.checkLive({ serviceId: 'svc-1', fqdn: 'nobody.sites.test' }), { code: 'SITE_NOT_LIVE' });
    } finally {
      await npm.close();
    }
  });
});
