/**
 * The feed's own frames and coalesced writes (src/server/feed-frame.ts, feed-outbox.ts), over a
 * real upgraded socket to a real `ws` client: what the client decodes is the proof.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { jsonFrame, textFrame } from '../../src/server/feed-frame.js';
import { FrameFlusher, Outbox, type CoalesceOptions } from '../../src/server/feed-outbox.js';
import { waitFor } from '../support/stack.js';

interface Pair {
  /** The server's side, as the feed's upgrade handler gets it. */
  readonly ws: WebSocket;
  /** An http server's upgrade socket is a net.Socket; bytesWritten counts what was handed to it. */
  readonly socket: Socket;
  /** The client's side, recording every message as text and every ping. */
  readonly client: WebSocket;
  readonly received: string[];
  readonly pings: number[];
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

async function connectedPair(): Promise<Pair> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const server: Server = createServer();
  const accepted = new Promise<{ ws: WebSocket; socket: Socket }>((resolve) => {
    server.on('upgrade', (request, socket: Duplex, head: Buffer) => wss.handleUpgrade(request, socket, head, (ws) => resolve({ ws, socket: socket as Socket })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { perMessageDeflate: false });
  const received: string[] = [];
  const pings: number[] = [];
  client.on('message', (data: Buffer, binary: boolean) => {
    assert.equal(binary, false, 'every feed frame is a text frame');
    received.push(data.toString());
  });
  client.on('ping', () => pings.push(received.length));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => client.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const { ws, socket } = await accepted;
  return {
    ws,
    socket,
    client,
    received,
    pings,
    closed,
    async close() {
      client.terminate();
      ws.terminate();
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const messages = (count: number, from = 0): string[] => Array.from({ length: count }, (_, i) => JSON.stringify({ type: 'transition', seq: from + i }));

test('a text frame of any length, built once, is decoded intact by a ws client', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  // Each side of the 7-bit, 16-bit and 64-bit length encodings, with multi-byte UTF-8 in it.
  const lengths = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];
  const payloads = lengths.map((length) => 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2));
  for (const payload of payloads) pair.socket.write(textFrame(Buffer.from(payload)));
  await waitFor(() => pair.received.length === payloads.length, 5_000, 'every frame');
  assert.deepEqual(pair.received, payloads);
  assert.deepEqual(payloads.map((payload) => Buffer.byteLength(payload)), lengths);
});

test('frames pushed in one callback wait until it returns, then all go out, intact and in order', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  const outbox = new Outbox(pair.ws, pair.socket, new FrameFlusher({ maxWaitMs: 0, maxBatchBytes: 1024 * 1024 }));
  const before = pair.socket.bytesWritten;
  const sent = messages(200);
  const frames = sent.map((message) => textFrame(Buffer.from(message)));
  for (const frame of frames) outbox.push(frame);
  const bytes = frames.reduce((sum, frame) => sum + frame.length, 0);
  // Nothing written yet, and the waiting bytes count as unsent (the slow-consumer measure).
  assert.equal(pair.socket.bytesWritten, before);
  assert.equal(outbox.bufferedAmount, pair.ws.bufferedAmount + bytes);
  await Promise.resolve();
  assert.equal(pair.socket.bytesWritten, before + bytes);
  assert.equal(outbox.bufferedAmount, pair.ws.bufferedAmount);
  await waitFor(() => pair.received.length === sent.length, 5_000, 'every message');
  assert.deepEqual(pair.received, sent);
});

test('a wait bound holds frames back for at most maxWaitMs, and maxBatchBytes writes at once', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  const options: CoalesceOptions = { maxWaitMs: 30, maxBatchBytes: 4096 };
  const outbox = new Outbox(pair.ws, pair.socket, new FrameFlusher(options));
  const written = (): number => pair.socket.bytesWritten;
  const start = written();

  // The first frame after a quiet spell goes out once this code returns…
  const first = jsonFrame({ n: 1 });
  outbox.push(first);
  assert.equal(written(), start);
  await Promise.resolve();
  assert.equal(written(), start + first.length);
  // …the next, within maxWaitMs of that round, waits for the next round: a later turn is not enough…
  const second = jsonFrame({ n: 2 });
  outbox.push(second);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(written(), start + first.length);
  // …and the bound is: this timer was set after the flusher's, for later, so it fires after it.
  await new Promise((resolve) => setTimeout(resolve, options.maxWaitMs + 5));
  assert.equal(written(), start + first.length + second.length);

  // Past maxBatchBytes the outbox writes in the same turn.
  const big = jsonFrame({ fill: 'x'.repeat(5000) });
  const beforeBig = written();
  outbox.push(big);
  assert.equal(written(), beforeBig + big.length);
  await waitFor(() => pair.received.length === 3, 5_000, 'every message');
  assert.deepEqual(pair.received.map((text) => Object.keys(JSON.parse(text) as object)), [['n'], ['n'], ['fill']]);
});

test('in one long run of microtasks, a frame goes out once maxWaitMs have passed, with no timer able to fire', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  const outbox = new Outbox(pair.ws, pair.socket, new FrameFlusher({ maxWaitMs: 20, maxBatchBytes: 1024 * 1024 }));
  const start = pair.socket.bytesWritten;
  const [first, second, third] = [1, 2, 3].map((n) => jsonFrame({ n })) as [Buffer, Buffer, Buffer];
  // Every await below resumes in a microtask: the event loop never gets to its timers.
  outbox.push(first);
  await Promise.resolve();
  assert.equal(pair.socket.bytesWritten, start + first.length);
  outbox.push(second);
  await Promise.resolve();
  assert.equal(pair.socket.bytesWritten, start + first.length, 'within maxWaitMs of the last round it waits');
  const busyUntil = performance.now() + 25;
  while (performance.now() < busyUntil) {
    // Busy, as a run of commits would be.
  }
  outbox.push(third);
  await Promise.resolve();
  assert.equal(pair.socket.bytesWritten, start + first.length + second.length + third.length);
  await waitFor(() => pair.received.length === 3, 5_000, 'every message');
  assert.deepEqual(pair.received, ['{"n":1}', '{"n":2}', '{"n":3}']);
});

test('ws writes of its own (a ping) fall between whole frames, never inside one', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  const outbox = new Outbox(pair.ws, pair.socket, new FrameFlusher({ maxWaitMs: 0, maxBatchBytes: 1024 * 1024 }));
  const sent = messages(50);
  for (const message of sent.slice(0, 25)) outbox.push(textFrame(Buffer.from(message)));
  pair.ws.ping();
  for (const message of sent.slice(25)) outbox.push(textFrame(Buffer.from(message)));
  await waitFor(() => pair.received.length === sent.length && pair.pings.length === 1, 5_000, 'every message and the ping');
  assert.deepEqual(pair.received, sent);
});

test('frames flushed before a close arrive before it; frames pushed once ws is closing are dropped', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  const flusher = new FrameFlusher({ maxWaitMs: 50, maxBatchBytes: 1024 * 1024 });
  const outbox = new Outbox(pair.ws, pair.socket, flusher);
  const sent = messages(10);
  for (const message of sent) outbox.push(textFrame(Buffer.from(message)));
  // What the feed does on closing a client: write what waits, then close.
  outbox.flush();
  pair.ws.close(1013, 'slow consumer');
  const afterClose = pair.socket.bytesWritten;
  outbox.push(textFrame(Buffer.from('late')));
  flusher.flushAll();
  assert.equal(pair.socket.bytesWritten, afterClose, 'nothing follows the close frame');
  assert.deepEqual(await pair.closed, { code: 1013, reason: 'slow consumer' });
  assert.deepEqual(pair.received, sent);
});

test('a discarded outbox writes nothing when the flusher runs', async (t) => {
  const pair = await connectedPair();
  t.after(() => pair.close());
  const flusher = new FrameFlusher({ maxWaitMs: 0, maxBatchBytes: 1024 * 1024 });
  const kept = new Outbox(pair.ws, pair.socket, flusher);
  const other = await connectedPair();
  t.after(() => other.close());
  const dropped = new Outbox(other.ws, other.socket, flusher);
  kept.push(jsonFrame({ kept: true }));
  dropped.push(jsonFrame({ kept: false }));
  dropped.discard();
  assert.equal(dropped.bufferedAmount, other.ws.bufferedAmount);
  await waitFor(() => pair.received.length === 1, 5_000, 'the kept message');
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(other.received, []);
});
