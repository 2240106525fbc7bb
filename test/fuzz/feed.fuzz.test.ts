/**
 * The WebSocket feed (`/v1/events`) under hostile clients, on a listening app over a real
 * registry: upgrade requests with right, wrong and misplaced tokens, odd `since`, `service_id`
 * and `logs`, broken handshake headers, cut-off handshakes; and, once connected, garbage
 * frames, binary, oversized and lying frames, bad close codes and abrupt disconnects.
 * Each is answered as README and src/server/feed.ts say (a JSON 4xx, a 101 with the right
 * hello, or the close code RFC 6455 demands; anything harmless is ignored), and throughout, an
 * observer connected from the start keeps receiving every transition, in order, with no gap.
 */
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { AUTH, TOKEN } from '../server/harness.js';
import { FeedClient } from '../server/feed-client.js';
import { createFuzzApp, PAYMENTER_ID, type FuzzApp } from './fuzz-app.js';
import { CaseCount, fuzzParameters } from './fuzz-runs.js';
import { frameBytes, frameCase, upgradeCase } from './feed-cases.js';
import { rawUpgrade, type RawUpgrade } from './raw-ws.js';
import { errorBodyOf } from './reply-check.js';
import { closePayload, encodeFrame, OPCODE } from './ws-frames.js';

const CODE_BY_STATUS: Readonly<Record<number, string>> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHORIZED', 404: 'NOT_FOUND' };

const count = new CaseCount();
let fuzz: FuzzApp;
let port: number;
let observer: FeedClient;
let nudges = 0;

before(async () => {
  fuzz = await createFuzzApp();
  await fuzz.harness.app.listen({ host: '127.0.0.1', port: 0 });
  port = (fuzz.harness.app.server.address() as AddressInfo).port;
  observer = await FeedClient.connect(`ws://127.0.0.1:${port}/v1/events?since=0`, { headers: AUTH });
});
after(async () => {
  await observer.close();
  await fuzz.close();
});

/**
 * Makes the registry publish (suspend or unsuspend the Paymenter service), waits for the
 * observer to receive it, and checks the observer is still open. Answers the newest seq.
 */
async function nudge(): Promise<number> {
  const { registry } = fuzz.harness.stack;
  registry.execute({ type: nudges++ % 2 === 0 ? 'suspend' : 'unsuspend', serviceId: String(PAYMENTER_ID) });
  await fuzz.quiesce();
  const last = registry.lastSeq();
  await observer.receivedThrough(last);
  return last;
}

function validUpgrade(query = ''): Buffer {
  const key = Buffer.alloc(16, 7).toString('base64');
  const lines = [`GET /v1/events${query} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', `Authorization: Bearer ${TOKEN}`];
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

async function hello(client: RawUpgrade, what: string): Promise<Record<string, unknown>> {
  assert.ok(await client.until(() => client.frames.texts().length > 0, 3_000), `${what}: no hello`);
  return JSON.parse(client.frames.texts()[0] ?? '') as Record<string, unknown>;
}

test('upgrade requests: 401 for a wrong token wherever it is, 404 elsewhere, 400 for bad values, else a 101 with the right hello', async (t) => {
  await fc.assert(
    fc.asyncProperty(upgradeCase, async ({ bytes, verdict, summary }) => {
      count.add();
      const lastSeq = fuzz.harness.stack.registry.lastSeq();
      const client = await rawUpgrade(port, bytes);
      try {
        const what = `${summary} → ${client.status} ${client.body.slice(0, 200)}`;
        assert.equal(client.status, verdict.status, what);
        if (verdict.status === 101) {
          const greeting = await hello(client, what);
          assert.deepEqual(greeting, { type: 'hello', since: verdict.since ?? lastSeq, last_seq: lastSeq, service_id: verdict.serviceId }, what);
        } else {
          const { code, field } = errorBodyOf(client.status, client.body, what);
          assert.equal(code, CODE_BY_STATUS[verdict.status], what);
          if (verdict.field !== undefined) assert.equal(field, verdict.field, what);
          if (verdict.status === 401) assert.equal(client.headers['www-authenticate'], 'Bearer', what);
        }
      } finally {
        client.socket.destroy();
      }
    }),
    fuzzParameters(150),
  );
  await nudge();
  t.diagnostic(`${count.total} feed cases so far`);
});

test('client frames: harmless ones are ignored, violations closed with the RFC code, the server and other clients unaffected', async (t) => {
  await fc.assert(
    fc.asyncProperty(frameCase, fc.boolean(), async ({ specs, ending, verdict, summary }, oneWrite) => {
      count.add();
      const client = await rawUpgrade(port, validUpgrade(oneWrite ? '' : '?logs=true'));
      try {
        assert.equal(client.status, 101, client.body);
        await hello(client, summary);
        const bytes = specs.map(frameBytes);
        if (oneWrite) client.socket.write(Buffer.concat(bytes));
        else for (const chunk of bytes) client.socket.write(chunk);
        if (ending === 'destroy') client.socket.destroy();
        if (ending === 'half-close') client.socket.end();
        if (ending !== 'destroy' && verdict.kind === 'close') {
          assert.ok(await client.until(() => client.closed(), 3_000), `${summary}: not closed`);
          const code = client.frames.closeCode();
          if (verdict.codes.length === 0) assert.equal(code, undefined, summary);
          else assert.ok(code !== undefined && verdict.codes.includes(code), `${summary}: closed with ${code}, expected one of ${verdict.codes.join(', ')}`);
        }
        if (ending === 'half-close' && verdict.kind !== 'unknown') assert.ok(await client.until(() => client.closed(), 3_000), `${summary}: a half-closed client was never closed`);
        const last = await nudge();
        if (ending === 'stay' && verdict.kind === 'ignore') {
          // Anything harmless a client sends is ignored: it still gets the live feed.
          const received = await client.until(() => client.frames.texts().some((text) => (JSON.parse(text) as { seq?: number }).seq === last), 3_000);
          assert.ok(received && !client.closed(), `${summary}: a harmless client lost its feed (closed: ${client.closed()}, code ${client.frames.closeCode()})`);
          client.socket.write(encodeFrame({ opcode: OPCODE.close, payload: closePayload(1000) }));
          assert.ok(await client.until(() => client.closed(), 3_000), `${summary}: the close handshake did not finish`);
        }
      } finally {
        client.socket.destroy();
      }
    }),
    fuzzParameters(120),
  );
  t.diagnostic(`${count.total} feed cases so far`);
});

test('handshakes cut short or abandoned leave the server and its clients unaffected', async (t) => {
  await fc.assert(
    fc.asyncProperty(upgradeCase, fc.double({ min: 0, max: 1, noNaN: true }), async ({ bytes }, cut) => {
      count.add();
      await new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes.subarray(0, Math.floor(bytes.length * cut)), () => socket.destroy()));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    }),
    fuzzParameters(100),
  );
  await nudge();
  // The observer saw every transition ever committed, in order, once each.
  const seqs = observer.transitions().map((transition) => transition.seq);
  const committed = fuzz.harness.stack.registry.transitionsAfter(0, { limit: 1_000_000 }).map((transition) => transition.seq);
  assert.deepEqual(seqs, committed);
  const fresh = await FeedClient.connect(`ws://127.0.0.1:${port}/v1/events?since=0&token=${TOKEN}`);
  assert.equal(fresh.hello.last_seq, committed.at(-1));
  await fresh.close();
  t.diagnostic(`${count.total} feed cases in all`);
});
