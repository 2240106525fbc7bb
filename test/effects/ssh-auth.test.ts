import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createSshClient } from '../../src/effects/ssh/ssh-client.js';
import { fingerprintOf, failureOf, startHarness, type Harness } from './ssh-harness.js';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('SSH authentication in both directions', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
    h.addContainer(910, 'node1');
  });
  after(() => h.close());

  it('accepts the pinned host key written with or without the SHA256: prefix and padding', async () => {
    const bare = h.hostKeySha256.replace(/^SHA256:/, '');
    for (const pin of [h.hostKeySha256, bare, `${bare}=`]) {
      const client = h.client({ nodes: { node1: { host: '127.0.0.1', port: h.port, hostKeySha256: pin } } });
      await h.effects(client).awaitReady({ serviceId: 's', vmid: 910 }, signal());
    }
  });

  it('refuses a node whose host key does not match the pin, naming the node and not the key', async () => {
    const impostor = fingerprintOf(generateEd25519KeyPair().public);
    const client = h.client({ nodes: { node1: { host: '127.0.0.1', port: h.port, hostKeySha256: impostor } } });
    const before = h.ssh.nodeCounts().node1?.calls ?? 0;
    const failure = await failureOf(h.effects(client).awaitReady({ serviceId: 's', vmid: 910 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_AUTH_FAILED');
    assert.equal(failure.retryable, false);
    assert.match(failure.message, /host key of node "node1"/);
    assert.ok(!failure.message.includes(impostor.slice(7)) && !failure.message.includes(h.hostKeySha256.slice(7)));
    assert.equal(h.ssh.nodeCounts().node1?.calls ?? 0, before, 'no command ran');
  });

  it('accepts any of several pinned keys (rotation)', async () => {
    const other = fingerprintOf(generateEd25519KeyPair().public);
    const client = h.client({ nodes: { node1: { host: '127.0.0.1', port: h.port, hostKeySha256: [other, h.hostKeySha256] } } });
    await h.effects(client).awaitReady({ serviceId: 's', vmid: 910 }, signal());
  });

  it('reports a client key the node does not accept as a permanent UPSTREAM_AUTH_FAILED without the key', async () => {
    const stranger = generateEd25519KeyPair();
    const client = h.client({ privateKey: stranger.private });
    const failure = await failureOf(h.effects(client).awaitReady({ serviceId: 's', vmid: 910 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_AUTH_FAILED');
    assert.equal(failure.retryable, false);
    assert.match(failure.message, /node "node1"/);
    const body = stranger.private.split('\n')[1] ?? '';
    assert.ok(body.length > 10 && !failure.message.includes(body));
  });

  it('rejects an unusable private key at construction as CONFIG_INVALID, without echoing it', () => {
    const garbage = '-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----\n';
    assert.throws(
      () => createSshClient({ nodes: {}, privateKey: garbage }),
      (error: { code?: string; message: string }) => error.code === 'CONFIG_INVALID' && !error.message.includes('bm90IGEga2V5'),
    );
  });

  it('reports a node without an address as a retryable UPSTREAM_UNAVAILABLE', async () => {
    const client = h.client({ nodes: {} });
    const failure = await failureOf(h.effects(client).awaitReady({ serviceId: 's', vmid: 910 }, signal()));
    assert.equal(failure.code, 'UPSTREAM_UNAVAILABLE');
    assert.match(failure.message, /no SSH address is configured for node "node1"/);
  });
});
