import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { promises as dnsPromises } from 'node:dns';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, Packet } from 'dns-packet';
import { Faults } from '../../src/sandbox/core/faults.js';
import { World } from '../../src/sandbox/core/world.js';
import { createDnsServer } from '../../src/sandbox/dns/dns-server.js';

type DnsError = Error & { code?: string };

function resolverFor(port: number, timeout = 1000): dnsPromises.Resolver {
  const resolver = new dnsPromises.Resolver({ timeout, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

/** Send one raw UDP datagram; resolve with the answer, or null if none came within `ms`. */
function udpExchange(port: number, query: Buffer, ms = 300): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, ms);
    socket.on('message', (msg) => {
      clearTimeout(timer);
      socket.close();
      resolve(msg);
    });
    socket.send(query, port, '127.0.0.1');
  });
}

async function udpQuery(port: number, packet: Packet): Promise<DecodedPacket> {
  const answer = await udpExchange(port, dnsPacket.encode({ type: 'query', id: 4242, ...packet }));
  assert.ok(answer, 'an answer arrives');
  return dnsPacket.decode(answer);
}

function tcpQuery(port: number, packet: Packet): Promise<DecodedPacket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(dnsPacket.streamEncode({ type: 'query', id: 7, ...packet })));
    let data = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        socket.end();
        resolve(dnsPacket.streamDecode(data) as DecodedPacket);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed without an answer')));
  });
}

const rcodeOf = (packet: DecodedPacket) => (packet as DecodedPacket & { rcode: string }).rcode;

describe('the sandbox DNS server', () => {
  const world = new World();
  const faults = new Faults();
  const server = createDnsServer({ world, faults });
  let port: number;
  before(async () => {
    world.setTxt('_provisiond-verify.shop.example', ['token-abc']);
    world.setTxt('multi.example', ['one', 'two']);
    ({ port } = await server.listen(0));
  });
  after(() => server.close());

  it('listens on loopback and answers Node’s own resolver, as the daemon will use it', async () => {
    const resolver = new dnsPromises.Resolver();
    resolver.setServers([`127.0.0.1:${port}`]);
    assert.deepEqual(await resolver.resolveTxt('_provisiond-verify.shop.example'), [['token-abc']]);
  });

  it('sees TXT changes in the world immediately, case-insensitively', async () => {
    world.setTxt('_later.example', ['v1']);
    assert.deepEqual(await resolverFor(port).resolveTxt('_LATER.Example.'), [['v1']]);
    world.setTxt('_later.example', []);
    await assert.rejects(resolverFor(port).resolveTxt('_later.example'), (e: DnsError) => e.code === 'ENOTFOUND');
  });

  it('answers one TXT record per value', async () => {
    const values = (await resolverFor(port).resolveTxt('multi.example')).map((chunks) => chunks.join('')).sort();
    assert.deepEqual(values, ['one', 'two']);
  });

  it('answers authoritatively with TTL 60, echoing id, question and RD', async () => {
    const answer = await udpQuery(port, { flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'TXT', name: '_Provisiond-Verify.shop.example' }] });
    assert.equal(answer.type, 'response');
    assert.equal(answer.id, 4242);
    assert.equal(answer.flag_aa, true);
    assert.equal(answer.flag_rd, true);
    assert.equal(answer.flag_ra, false);
    assert.equal(rcodeOf(answer), 'NOERROR');
    assert.deepEqual(answer.questions, [{ type: 'TXT', name: '_Provisiond-Verify.shop.example', class: 'IN' }]);
    const [record] = answer.answers ?? [];
    assert.equal(record?.type, 'TXT');
    assert.equal(record?.name, '_Provisiond-Verify.shop.example');
    assert.equal(record?.type === 'TXT' ? record.ttl : undefined, 60);
    assert.deepEqual(record?.type === 'TXT' ? record.data : undefined, [Buffer.from('token-abc')]);
  });

  it('answers NXDOMAIN for a name without records, which Node reports as ENOTFOUND', async () => {
    const answer = await udpQuery(port, { questions: [{ type: 'TXT', name: 'nothing.example' }] });
    assert.equal(rcodeOf(answer), 'NXDOMAIN');
    assert.equal(answer.flag_aa, true);
    assert.deepEqual(answer.answers, []);
    await assert.rejects(resolverFor(port).resolveTxt('nothing.example'), (e: DnsError) => e.code === 'ENOTFOUND');
  });

  it('answers NODATA for an empty non-terminal and for other types of an existing name', async () => {
    await assert.rejects(resolverFor(port).resolveTxt('shop.example'), (e: DnsError) => e.code === 'ENODATA');
    await assert.rejects(resolverFor(port).resolve4('multi.example'), (e: DnsError) => e.code === 'ENODATA');
    await assert.rejects(resolverFor(port).resolve4('nothing.example'), (e: DnsError) => e.code === 'ENOTFOUND');
    const answer = await udpQuery(port, { questions: [{ type: 'A', name: 'multi.example' }] });
    assert.equal(rcodeOf(answer), 'NOERROR');
    assert.deepEqual(answer.answers, []);
  });

  it('splits long values into 255-byte strings and truncates over UDP so that clients retry over TCP', async () => {
    const long = 'x'.repeat(700);
    world.setTxt('long.example', [long]);
    const udp = await udpQuery(port, { questions: [{ type: 'TXT', name: 'long.example' }] });
    assert.equal(udp.flag_tc, true);
    assert.deepEqual(udp.answers, []);
    const tcp = await tcpQuery(port, { questions: [{ type: 'TXT', name: 'long.example' }] });
    const [record] = tcp.answers ?? [];
    assert.deepEqual(record?.type === 'TXT' ? (record.data as Buffer[]).map((b) => b.length) : [], [255, 255, 190]);
    assert.deepEqual(await resolverFor(port).resolveTxt('long.example'), [['x'.repeat(255), 'x'.repeat(255), 'x'.repeat(190)]]);
  });

  it('answers EDNS queries with an OPT record', async () => {
    const answer = await udpQuery(port, {
      questions: [{ type: 'TXT', name: 'multi.example' }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    });
    const opt = answer.additionals?.find((a) => a.type === 'OPT');
    assert.equal(opt?.type === 'OPT' ? opt.udpPayloadSize : undefined, 1232);
  });

  it('answers NOTIMP for other opcodes and FORMERR for two questions or a broken packet', async () => {
    const status = await udpQuery(port, { flags: 2 << 11, questions: [{ type: 'TXT', name: 'multi.example' }] });
    assert.equal(rcodeOf(status), 'NOTIMP');
    const two = await udpQuery(port, { questions: [{ type: 'TXT', name: 'a.example' }, { type: 'TXT', name: 'b.example' }] });
    assert.equal(rcodeOf(two), 'FORMERR');
    const broken = Buffer.concat([dnsPacket.encode({ type: 'query', id: 99, questions: [{ type: 'TXT', name: 'multi.example' }] }).subarray(0, 20)]);
    const answer = await udpExchange(port, broken);
    assert.ok(answer);
    const decoded = dnsPacket.decode(answer);
    assert.equal(decoded.id, 99);
    assert.equal(rcodeOf(decoded), 'FORMERR');
  });

  it('drops datagrams shorter than a header and responses', async () => {
    assert.equal(await udpExchange(port, Buffer.from([1, 2, 3]), 150), null);
    const response = dnsPacket.encode({ type: 'response', id: 5, questions: [{ type: 'TXT', name: 'multi.example' }] });
    assert.equal(await udpExchange(port, response, 150), null);
  });

  it('answers SERVFAIL on a status fault and nothing on a timeout fault', async () => {
    faults.inject({ op: 'dns.query', kind: 'status', status: 500 });
    await assert.rejects(resolverFor(port).resolveTxt('multi.example'), (e: DnsError) => e.code === 'ESERVFAIL');
    faults.inject({ op: 'dns.query', kind: 'timeout' });
    await assert.rejects(resolverFor(port, 200).resolveTxt('multi.example'), (e: DnsError) => e.code === 'ETIMEOUT');
    assert.deepEqual(await resolverFor(port).resolveTxt('multi.example').then((r) => r.length), 2);
  });

  it('closes a TCP connection on a reset fault', async () => {
    faults.inject({ op: 'dns.query', kind: 'reset' });
    await assert.rejects(tcpQuery(port, { questions: [{ type: 'TXT', name: 'multi.example' }] }), /closed without an answer/);
  });

  it('counts every query and the most in flight at once', async () => {
    faults.resetCounters();
    faults.inject({ op: 'dns.query', kind: 'latency', latencyMs: 100, times: 3 });
    await Promise.all([1, 2, 3].map(() => resolverFor(port).resolveTxt('multi.example')));
    const counts = faults.counts()['dns.query'];
    assert.equal(counts?.calls, 3);
    assert.equal(counts?.maxInFlight, 3);
    assert.equal(counts?.inFlight, 0);
    assert.equal(counts?.faulted, 3);
  });

  it('refuses to bind anything but loopback', async () => {
    await assert.rejects(createDnsServer({ world, faults }).listen(0, '0.0.0.0'), RangeError);
  });
});
