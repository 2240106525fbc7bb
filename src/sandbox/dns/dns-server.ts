/**
 * A loopback DNS server (UDP and TCP on the same port) answering TXT questions from `World`:
 * the authoritative server that custom-domain ownership checks query through Node's own
 * resolver (`Resolver.setServers(['127.0.0.1:<port>'])` + `resolveTxt`).
 *
 * Operation (faults and counters): `dns.query`, one per query received. A `timeout` fault drops
 * the answer, `status` answers SERVFAIL (rcode 2), `reset` drops it (UDP) or closes the TCP
 * connection, `latency` delays it. Answers: see dns-answer.ts.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Faults } from '../core/faults.js';
import type { World } from '../core/world.js';
import { answerQuery } from './dns-answer.js';

export interface DnsServerOptions {
  readonly world: World;
  readonly faults: Faults;
}

export interface DnsServer {
  /** Bind UDP and TCP; port 0 picks a free port (the same one for both). Loopback only. */
  listen(port: number, host?: string): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

const OP = 'dns.query';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

export function createDnsServer(options: DnsServerOptions): DnsServer {
  const { world, faults } = options;
  let udp: UdpSocket | undefined;
  let tcp: Server | undefined;
  const connections = new Set<Socket>();

  /** Run one query through the fault schedule; `send` delivers the answer, `reset` aborts. */
  async function handle(query: Buffer, transport: 'udp' | 'tcp', send: (answer: Buffer) => void, reset: () => void): Promise<void> {
    const { fault, end } = faults.begin(OP);
    try {
      if (fault?.kind === 'timeout') return;
      if (fault?.kind === 'reset') return reset();
      if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 0);
      let answer: Buffer | null;
      try {
        answer = answerQuery(query, world, { transport, servfail: fault?.kind === 'status' });
      } catch {
        // A question dns-packet cannot re-encode (e.g. a label over 63 bytes): drop it rather
        // than crash the sandbox; the client times out as it would on a broken server.
        answer = null;
      }
      if (answer !== null) send(answer);
    } finally {
      end();
    }
  }

  function bindUdp(port: number, host: string): Promise<UdpSocket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      socket.once('error', reject);
      socket.bind(port, host, () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        socket.on('message', (msg, peer) => {
          void handle(msg, 'udp', (answer) => socket.send(answer, peer.port, peer.address, () => undefined), () => undefined);
        });
        resolve(socket);
      });
    });
  }

  function onConnection(conn: Socket): void {
    connections.add(conn);
    conn.on('close', () => connections.delete(conn));
    conn.on('error', () => undefined);
    let pending = Buffer.alloc(0);
    conn.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      // RFC 1035 §4.2.2: each message is preceded by its two-byte length.
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const query = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + query.length);
        const send = (answer: Buffer): void => {
          const length = Buffer.alloc(2);
          length.writeUInt16BE(answer.length);
          if (!conn.destroyed) conn.write(Buffer.concat([length, answer]));
        };
        void handle(query, 'tcp', send, () => conn.destroy());
      }
    });
  }

  function bindTcp(port: number, host: string): Promise<Server> {
    return new Promise((resolve, reject) => {
      const server = createServer(onConnection);
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server);
      });
    });
  }

  const closeUdp = (socket: UdpSocket | undefined) => new Promise<void>((resolve) => (socket === undefined ? resolve() : socket.close(() => resolve())));

  return {
    async listen(port, host = '127.0.0.1') {
      if (!isLoopback(host)) throw new RangeError(`the sandbox DNS server binds loopback only, not ${host}`);
      // With port 0 the UDP port is free but TCP's may not be: try a few times.
      for (let attempt = 0; ; attempt++) {
        const socket = await bindUdp(port, host);
        const bound = socket.address().port;
        try {
          tcp = await bindTcp(bound, host);
          udp = socket;
          return { host, port: bound };
        } catch (error) {
          await closeUdp(socket);
          if (port !== 0 || attempt >= 4) throw error;
        }
      }
    },

    async close() {
      const server = tcp;
      tcp = undefined;
      for (const conn of connections) conn.destroy();
      await Promise.all([
        closeUdp(udp),
        new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve()))),
      ]);
      udp = undefined;
    },
  };
}
