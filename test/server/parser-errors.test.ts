/**
 * What Node's HTTP parser refuses before Fastify sees a request (a malformed request line,
 * headers over 16 KiB, a broken chunked body, a request that never finishes arriving) is
 * answered in the API's JSON error shape, and a slow client gets 408 after the request timeout
 * instead of holding its socket for ever. Raw TCP on 127.0.0.1, one listening app per test.
 */
import assert from 'node:assert/strict';
import { Agent, request, type ClientRequest } from 'node:http';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { exchange, firstResponse, getStatus, type RawResponse } from '../fuzz/raw-http.js';
import { AUTH, createHarness, TOKEN, type Harness } from './harness.js';

/** Short, so the slow-client cases take a fraction of a second. */
const TIMEOUT_MS = 300;

async function listening(t: { after: (fn: () => Promise<void>) => void }): Promise<{ h: Harness; port: number }> {
  const h = createHarness({ app: { requestTimeoutMs: TIMEOUT_MS } });
  t.after(() => h.close());
  // A handler slower than the request timeout, to show the timeout only covers arrival.
  h.app.get('/test/slow', async () => {
    await delay(TIMEOUT_MS * 2);
    return { slow: true };
  });
  const address = await h.listen();
  return { h, port: Number(address.split(':')[1]) };
}

/** The response and its JSON error object; fails with what was received otherwise. */
function jsonError(received: Buffer): { response: RawResponse; error: Record<string, unknown> } {
  const response = firstResponse(received);
  assert.ok(response !== undefined, `no complete response in ${JSON.stringify(received.toString('latin1').slice(0, 300))}`);
  assert.match(response.headers['content-type'] ?? '', /^application\/json/);
  const body = JSON.parse(response.body) as { error?: Record<string, unknown> };
  assert.ok(body.error !== undefined, `not the API's error shape: ${response.body}`);
  assert.equal(typeof body.error.message, 'string');
  return { response, error: body.error };
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const AUTH_LINE = `Authorization: Bearer ${TOKEN}\r\n`;

test('a malformed request line gets 400 VALIDATION_FAILED in the JSON error shape, then the server serves on', async (t) => {
  const { port } = await listening(t);
  for (const garbage of ['HELLO THERE\r\n\r\n', 'GET /v1/services HTTP/9.9\r\n\r\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n']) {
    const { received, closedByServer } = await exchange(port, bytes(garbage), 'keep-open', 3_000);
    const { response, error } = jsonError(received);
    assert.equal(response.status, 400, JSON.stringify(garbage));
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.equal(response.headers.connection, 'close');
    assert.ok(closedByServer, 'the server closes the connection it cannot read');
  }
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});

test('headers over the 16 KiB limit get 431 naming the headers', async (t) => {
  const { port } = await listening(t);
  const request = `GET /v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH_LINE}X-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`;
  const { response, error } = jsonError((await exchange(port, bytes(request), 'keep-open', 3_000)).received);
  assert.equal(response.status, 431);
  assert.equal(error.code, 'VALIDATION_FAILED');
  assert.equal(error.field, 'headers');
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});

test('a broken chunked body gets 400 in the JSON error shape', async (t) => {
  const { port } = await listening(t);
  const request = `POST /suspend HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH_LINE}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`;
  const { response, error } = jsonError((await exchange(port, bytes(request), 'keep-open', 3_000)).received);
  assert.equal(response.status, 400);
  assert.equal(error.code, 'VALIDATION_FAILED');
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});

test('a client that stops sending halfway gets 408 once the request timeout passes, in headers or in the body', async (t) => {
  const { port } = await listening(t);
  const stalls = {
    headers: `GET /v1/services HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH_LINE}X-Slow: `,
    body: `POST /suspend HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH_LINE}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"service_id":`,
  };
  for (const [where, partial] of Object.entries(stalls)) {
    const started = Date.now();
    // The client would wait up to 10 s; the server must answer and hang up long before.
    const { received, closedByServer } = await exchange(port, bytes(partial), 'keep-open', 10_000);
    const elapsed = Date.now() - started;
    const { response, error } = jsonError(received);
    assert.equal(response.status, 408, where);
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.ok(closedByServer, `${where}: the server closed the connection`);
    assert.ok(elapsed >= TIMEOUT_MS - 50, `${where}: 408 after ${elapsed} ms, before the ${TIMEOUT_MS} ms timeout`);
    assert.ok(elapsed < TIMEOUT_MS + 1_500, `${where}: 408 only after ${elapsed} ms`);
  }
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});

test('the timeout covers arrival only: a slow handler answers, and an idle keep-alive connection is reused', async (t) => {
  const { port } = await listening(t);
  assert.equal(await getStatus(port, '/test/slow', AUTH.authorization), 200, 'a handler running twice the timeout is not cut off');

  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const get = (): Promise<{ status: number; reused: boolean }> =>
    new Promise((resolve, reject) => {
      const req: ClientRequest = request({ host: '127.0.0.1', port, path: '/v1/services', agent, headers: AUTH, timeout: 5_000 }, (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, reused: req.reusedSocket }));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
      req.on('error', reject);
      req.end();
    });
  assert.deepEqual(await get(), { status: 200, reused: false });
  await delay(TIMEOUT_MS * 2);
  assert.deepEqual(await get(), { status: 200, reused: true }, 'a connection idle between requests is not a slow request');
});

test('a method no route knows (PRI, sent without a version) gets 404 NOT_FOUND, not an undocumented code', async (t) => {
  const { port } = await listening(t);
  const request = `PRI /v1/services/s-active\r\nHost: 127.0.0.1\r\n\r\n{"service_id":"s-active"}`;
  const { response, error } = jsonError((await exchange(port, bytes(request), 'keep-open', 3_000)).received);
  assert.equal(response.status, 404);
  assert.equal(error.code, 'NOT_FOUND');
});

/** Every response in `received`, in order (each as firstResponse reads it). */
function responsesIn(received: Buffer): RawResponse[] {
  const found: RawResponse[] = [];
  let at = received.indexOf('HTTP/1.1 ');
  while (at >= 0) {
    const response = firstResponse(received.subarray(at));
    if (response !== undefined) found.push(response);
    at = received.indexOf('HTTP/1.1 ', at + 1);
  }
  return found;
}

test('a broken request pipelined behind valid ones is answered in its turn, after theirs', async (t) => {
  const { port } = await listening(t);
  const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${AUTH_LINE}\r\n`;
  // One write: Node parses all three while the slow first one is still being answered.
  const pipelined = `${get('/test/slow')}${get('/v1/services')}HELLO THERE\r\n\r\n`;
  const { received, closedByServer } = await exchange(port, bytes(pipelined), 'keep-open', 3_000);
  const statuses = responsesIn(received).map((response) => response.status);
  // A 400 first would be read as the answer to the first request, which was valid.
  assert.deepEqual(statuses, [200, 200, 400], received.toString('latin1').slice(0, 600));
  assert.ok(closedByServer);
  assert.equal(await getStatus(port, '/v1/services', AUTH.authorization), 200);
});
