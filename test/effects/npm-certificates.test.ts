import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorOf, startNpm, type NpmFixture } from './npm-harness.js';

describe('certificates and custom domains against the NPM simulator', () => {
  let npm: NpmFixture;
  before(async () => {
    npm = await startNpm();
  });
  after(async () => npm.close());

  const certificatesFor = async (domain: string) =>
    ((await npm.direct('GET', '/nginx/certificates')).body as { id: number; domain_names: string[] }[]).filter(
      (cert) => cert.domain_names.length === 1 && cert.domain_names[0] === domain,
    );
  /** Wait until an order for `domain` is inside its certbot run (its row is listed). */
  // Bounded: a certificate that never shows up fails the test instead of spinning forever.
  const issuing = async (domain: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    while ((await certificatesFor(domain)).length === 0) {
      if (Date.now() > deadline) throw new Error(`no certificate for ${domain} appeared within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const order = (domain: string) => npm.direct('POST', '/nginx/certificates', { provider: 'letsencrypt', domain_names: [domain] });

  it('issueCertificate orders one certificate for exactly the domain, and only once', async () => {
    await npm.effects.issueCertificate({ serviceId: 'svc-1', domain: 'Shop.Example.test' });
    await npm.effects.issueCertificate({ serviceId: 'svc-1', domain: 'shop.example.test' });
    assert.equal((await certificatesFor('shop.example.test')).length, 1);
  });

  it('does not take a certificate for a longer name that merely contains the domain', async () => {
    await order('notcert.example.test');
    npm.faults.resetCounters();
    await npm.effects.issueCertificate({ serviceId: 'svc-1', domain: 'cert.example.test' });
    assert.equal(npm.faults.counts()['npm.certificates.create']?.calls, 1);
  });

  it('picks the longest-lived of duplicate orders for the host', async () => {
    const first = await order('dup.example.test');
    const second = await order('dup.example.test');
    assert.notEqual(first.body.id, second.body.id);
    npm.faults.resetCounters();
    await npm.effects.createDomainProxyHost({ serviceId: 'svc-2', domain: 'dup.example.test', publicIp: '203.0.113.5', privateIp: '127.42.0.7' });
    assert.equal(npm.faults.counts()['npm.certificates.create'], undefined);
    const host = npm.sim.hosts().find((h) => h.domain_names.includes('dup.example.test'));
    assert.ok(host?.certificate_id === first.body.id || host?.certificate_id === second.body.id);
    assert.equal(host?.served, true);
  });

  it('waits (RESOURCE_LOCKED, retryable) instead of ordering twice while an order for the domain is running', async () => {
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'latency', latencyMs: 500 });
    const elsewhere = order('busy.example.test');
    await issuing('busy.example.test');
    npm.faults.resetCounters();
    await assert.rejects(npm.effects.issueCertificate({ serviceId: 'svc-3', domain: 'busy.example.test' }), (error) => {
      assert.deepEqual(errorOf(error), { code: 'RESOURCE_LOCKED', retryable: true, system: 'npm' });
      return true;
    });
    assert.equal(npm.faults.counts()['npm.certificates.create'], undefined);
    await elsewhere;
    await npm.effects.issueCertificate({ serviceId: 'svc-3', domain: 'busy.example.test' });
    assert.equal((await certificatesFor('busy.example.test')).length, 1, 'the finished order is reused');
  });

  it('sees an order through when its caller is stopped, so the removal queued behind it (compensation) deletes the certificate', async () => {
    const domain = 'cancelled.example.test';
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'latency', latencyMs: 300 });
    const controller = new AbortController();
    const creating = npm.effects.createProxyHost({ serviceId: 'svc-8', fqdn: domain, privateIp: '127.42.0.10' }, controller.signal);
    // An order that failed before its row appeared must fail the test, not hang it.
    await Promise.race([issuing(domain), creating.then(() => assert.fail('the order finished before it could be cancelled'), () => undefined)]);
    controller.abort(new Error('actor stopped'));
    await assert.rejects(creating, { message: 'actor stopped' });
    await npm.effects.deleteProxyHost({ serviceId: 'svc-8', fqdn: domain });
    assert.deepEqual(await certificatesFor(domain), [], 'no certificate is left behind');
    assert.equal(npm.sim.hosts().some((h) => h.domain_names.includes(domain)), false, 'and no host was created after the abort');
  });

  it('classifies a certbot collision with another client as RESOURCE_LOCKED, retryable', async () => {
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'latency', latencyMs: 500 });
    const elsewhere = order('other.example.test');
    await issuing('other.example.test');
    await assert.rejects(npm.effects.issueCertificate({ serviceId: 'svc-4', domain: 'mine.example.test' }), (error) => {
      assert.deepEqual(errorOf(error), { code: 'RESOURCE_LOCKED', retryable: true, system: 'npm' });
      return true;
    });
    await elsewhere;
    assert.equal((await certificatesFor('mine.example.test')).length, 0, 'NPM hard-deletes the failed order');
  });

  it('classifies a failed HTTP-01 challenge (DNS not pointing here) as permanent and leaves no half host', async () => {
    npm.faults.inject({ op: 'npm.certbot.certonly', kind: 'status', status: 500 });
    await assert.rejects(
      npm.effects.createProxyHost({ serviceId: 'svc-5', fqdn: 'nodns.example.test', privateIp: '127.42.0.8' }),
      (error) => {
        assert.deepEqual(errorOf(error), { code: 'UPSTREAM_REJECTED', retryable: false, system: 'npm' });
        return true;
      },
    );
    assert.equal(npm.sim.hosts().some((h) => h.domain_names.includes('nodns.example.test')), false);
  });

  it("classifies Let's Encrypt rate limits as UPSTREAM_RATE_LIMITED, retryable", async () => {
    npm.faults.inject({
      op: 'npm.certbot.certonly', kind: 'status', status: 500,
      message: 'Error creating new order :: too many certificates (5) already issued for this exact set of identifiers in the last 168h',
    });
    await assert.rejects(npm.effects.issueCertificate({ serviceId: 'svc-6', domain: 'limited.example.test' }), (error) => {
      assert.deepEqual(errorOf(error), { code: 'UPSTREAM_RATE_LIMITED', retryable: true, system: 'npm' });
      return true;
    });
  });

  it('removeDomainProxy deletes our host and its certificate, and succeeds when run again', async () => {
    const domain = 'gone.example.test';
    await npm.effects.createDomainProxyHost({ serviceId: 'svc-7', domain, publicIp: '203.0.113.5', privateIp: '127.42.0.9' });
    assert.equal((await certificatesFor(domain)).length, 1);
    await npm.effects.removeDomainProxy({ serviceId: 'svc-7', domain });
    assert.equal(npm.sim.hosts().some((h) => h.domain_names.includes(domain)), false);
    assert.equal((await certificatesFor(domain)).length, 0);
    await npm.effects.removeDomainProxy({ serviceId: 'svc-7', domain });
  });
});

describe('the NPM token', () => {
  it('is refreshed with GET /tokens ahead of its expiry, not by logging in again', async () => {
    let clock = Date.now();
    const npm = await startNpm({ effects: { now: () => clock } });
    try {
      await npm.effects.issueCertificate({ serviceId: 'svc-1', domain: 'a.example.test' });
      npm.faults.resetCounters();
      clock += 23.5 * 3_600_000; // half an hour left of the day: inside the refresh window
      await npm.effects.issueCertificate({ serviceId: 'svc-1', domain: 'a.example.test' });
      const counts = npm.faults.counts();
      assert.equal(counts['npm.tokens.refresh']?.calls, 1);
      assert.equal(counts['npm.tokens.create'], undefined);
    } finally {
      await npm.close();
    }
  });

  it('is never in an error message, and a wrong password is UPSTREAM_AUTH_FAILED, permanent', async () => {
    const npm = await startNpm();
    try {
      const effects = npm.effectsWith({ password: 'wrong horse' });
      await assert.rejects(effects.issueCertificate({ serviceId: 'svc-1', domain: 'a.example.test' }), (error) => {
        assert.deepEqual(errorOf(error), { code: 'UPSTREAM_AUTH_FAILED', retryable: false, system: 'npm' });
        assert.doesNotMatch(String((error as Error).message), /wrong horse/);
        return true;
      });
    } finally {
      await npm.close();
    }
  });
});
