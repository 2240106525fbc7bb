import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { failureOf, startHarness, type Harness } from './ssh-harness.js';

const signal = (): AbortSignal => new AbortController().signal;

describe('SSH concurrency per node', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness({ timeScale: 0.002 });
  });
  after(() => h.close());

  it('runs at most the configured number of commands per node at once, each node on its own', async () => {
    const client = h.client({ perNodeConcurrency: 2 });
    const effects = h.effects(client);
    const vmids = [931, 932, 933, 934, 935, 936, 941, 942, 943, 944, 945, 946];
    for (const vmid of vmids) h.addContainer(vmid, vmid < 940 ? 'node1' : 'node2');

    const installs = vmids.map((vmid) => effects.installWordPress({ serviceId: `svc-${vmid}`, vmid, fqdn: `s${vmid}.example.com` }, signal()));
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(client.queue(), { node1: { active: 2, pending: 4 }, node2: { active: 2, pending: 4 } });
    await Promise.all(installs);

    const counts = h.ssh.nodeCounts();
    assert.equal(counts.node1?.maxInFlight, 2);
    assert.equal(counts.node2?.maxInFlight, 2);
    assert.equal(counts.node1?.calls, 6);
    assert.deepEqual(client.queue(), { node1: { active: 0, pending: 0 }, node2: { active: 0, pending: 0 } });
  });

  it('shares one connection per node among concurrent commands and opens a new one after a failure', async () => {
    // A counting TCP relay in front of the simulator: each accepted socket is one SSH connection.
    let connections = 0;
    const sockets = new Set<Socket>();
    const relay = createServer((socket) => {
      connections++;
      sockets.add(socket);
      const upstream = connect(h.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayPort = (relay.address() as AddressInfo).port;
    try {
      const target = { host: '127.0.0.1', port: relayPort, hostKeySha256: h.hostKeySha256 };
      const effects = h.effects(h.client({ nodes: { node1: target, node2: target } }));
      h.addContainer(950, 'node1');
      h.addContainer(960, 'node2');
      await Promise.all(Array.from({ length: 8 }, (_, i) => effects.awaitReady({ serviceId: 's', vmid: i % 2 === 0 ? 950 : 960 }, signal())));
      assert.equal(connections, 2, 'one per node');
      h.faults.inject({ op: 'ssh.exec', kind: 'reset' });
      await failureOf(effects.awaitReady({ serviceId: 's', vmid: 950 }, signal()));
      await effects.awaitReady({ serviceId: 's', vmid: 950 }, signal());
      assert.equal(connections, 3, 'node1 reconnected once');
    } finally {
      for (const socket of sockets) socket.destroy();
      relay.close();
    }
  });

  it('lets a queued command be cancelled before it starts', async () => {
    const client = h.client({ perNodeConcurrency: 1 });
    const effects = h.effects(client);
    h.addContainer(951, 'node2');
    const callsBefore = h.ssh.nodeCounts().node2?.calls ?? 0;
    const first = effects.installWordPress({ serviceId: 's951', vmid: 951, fqdn: 'q.example.com' }, signal());
    const controller = new AbortController();
    const queued = failureOf(effects.awaitReady({ serviceId: 's951', vmid: 951 }, controller.signal));
    controller.abort();
    await first;
    const failure = await queued;
    assert.match(failure.message, /cancelled/);
    assert.equal(h.ssh.nodeCounts().node2?.calls ?? 0, callsBefore + 1, 'only the install ran, never the cancelled probe');
  });
});
