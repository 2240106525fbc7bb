import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TransitionView } from '../../src/actors/registry.types.js';
import { AppError } from '../../src/errors.js';
import { succeedingEffects } from '../support/stack.js';
import { FeedClient, refusedUpgrade } from './feed-client.js';
import { createHarness, siteBody, TOKEN, type Harness } from './harness.js';

/** Everything committed after `since`, straight from the registry: the feed's ground truth. */
function committedAfter(h: Harness, since: number, serviceId?: string): TransitionView[] {
  return h.stack.registry.transitionsAfter(since, { limit: 1_000_000, ...(serviceId === undefined ? {} : { serviceId }) });
}

function seqs(list: readonly { seq: number }[]): number[] {
  return list.map((entry) => entry.seq);
}

async function createSettled(h: Harness, ids: readonly string[], state = 'active'): Promise<void> {
  for (const id of ids) assert.equal((await h.call({ method: 'POST', url: '/create-site', payload: siteBody(id) })).statusCode, 201);
  for (const id of ids) await h.settled(id, state);
}

test('an upgrade without a valid token is refused with 401 before it is accepted', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const base = `ws://${await h.listen()}/v1/events`;
  const attempts = [
    refusedUpgrade(base),
    refusedUpgrade(`${base}?token=wrong`),
    refusedUpgrade(base, { headers: { authorization: 'Bearer wrong' } }),
    refusedUpgrade(base, { protocols: ['provisiond.v1', 'bearer.wrong'] }),
    // A wrong header is not rescued by a right query token.
    refusedUpgrade(`${base}?token=${TOKEN}`, { headers: { authorization: 'Bearer wrong' } }),
  ];
  for (const { status, body } of await Promise.all(attempts)) {
    assert.equal(status, 401);
    assert.equal(body.error.code, 'UNAUTHORIZED');
  }
});

test('the feed accepts the token as a bearer header, a query parameter or a bearer subprotocol', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const base = `ws://${await h.listen()}/v1/events`;
  const viaHeader = await FeedClient.connect(base, { headers: { authorization: `Bearer ${TOKEN}` } });
  const viaQuery = await FeedClient.connect(`${base}?token=${TOKEN}`);
  const viaProtocol = await FeedClient.connect(base, { protocols: ['provisiond.v1', `bearer.${TOKEN}`] });
  const viaBearerOnly = await FeedClient.connect(base, { protocols: [`bearer.${TOKEN}`] });
  assert.equal(viaProtocol.protocol, 'provisiond.v1');
  // Browsers need one offered protocol echoed back; with only the token on offer, that is it.
  assert.equal(viaBearerOnly.protocol, `bearer.${TOKEN}`);
  for (const client of [viaHeader, viaQuery, viaProtocol, viaBearerOnly]) {
    assert.deepEqual(client.hello, { type: 'hello', since: 0, last_seq: 0, service_id: null });
    await client.close();
  }
});

test('other paths are refused with 404 and invalid query values with 400 naming them', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const base = `ws://${await h.listen()}`;
  const other = await refusedUpgrade(`${base}/v1/eventz?token=${TOKEN}`);
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, 'NOT_FOUND');
  for (const [query, field] of [
    ['since=-1', 'since'],
    ['since=abc', 'since'],
    ['since=99999999999999999', 'since'],
    ['service_id=bad%20id', 'service_id'],
  ] as const) {
    const refused = await refusedUpgrade(`${base}/v1/events?token=${TOKEN}&${query}`);
    assert.equal(refused.status, 400, query);
    assert.equal(refused.body.error.field, field, query);
  }
});

test('a live client receives every committed transition in order, exactly once', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}`;
  await createSettled(h, ['old']);
  const client = await FeedClient.connect(url);
  const start = client.hello.last_seq;
  assert.equal(client.hello.since, start);
  assert.ok(start > 0);

  await createSettled(h, ['L1', 'L2', 'L3']);
  await h.call({ method: 'POST', url: '/suspend', payload: { service_id: 'L2' } });
  await h.settled('L2', 'suspended');
  const truth = committedAfter(h, start);
  await client.receivedThrough(truth.at(-1)?.seq ?? 0);

  assert.deepEqual(seqs(client.transitions()), seqs(truth));
  const first = client.transitions()[0];
  const expected = truth[0];
  assert.ok(first !== undefined && expected !== undefined);
  assert.deepEqual(first, {
    type: 'transition',
    seq: expected.seq,
    service_id: expected.serviceId,
    from: expected.from,
    to: expected.to,
    event: expected.event,
    step: expected.step,
    error: expected.error,
    at: expected.at,
  });
  await client.close();
});

test('the hello reports the newest committed seq, found without reading the whole history', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}`;
  await createSettled(h, ['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
  const newest = committedAfter(h, 0).at(-1)?.seq;
  const client = await FeedClient.connect(url);
  assert.equal(client.hello.last_seq, newest);
  assert.equal(client.transitions().length, 0);
  await client.close();

  // Later connections keep up with what committed in between.
  await createSettled(h, ['h7']);
  const later = await FeedClient.connect(url);
  assert.equal(later.hello.last_seq, committedAfter(h, 0).at(-1)?.seq);
  await later.close();
});

test('a client that reconnects with its last seq receives exactly the transitions it missed, then live ones', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}`;
  const first = await FeedClient.connect(`${url}&since=0`);
  await createSettled(h, ['r1']);
  await first.receivedThrough(committedAfter(h, 0).at(-1)?.seq ?? 0);
  const resumeFrom = first.lastSeq();
  await first.close();

  // Missed while disconnected.
  await createSettled(h, ['r2', 'r3']);
  await h.call({ method: 'POST', url: '/suspend', payload: { service_id: 'r1' } });
  await h.settled('r1', 'suspended');

  const second = await FeedClient.connect(`${url}&since=${resumeFrom}`);
  assert.equal(second.hello.since, resumeFrom);
  const missed = committedAfter(h, resumeFrom);
  assert.ok(missed.length > 0);
  await second.receivedThrough(missed.at(-1)?.seq ?? 0);
  assert.deepEqual(seqs(second.transitions()), seqs(missed));

  // And it stays live after the catch-up.
  await h.call({ method: 'POST', url: '/unsuspend', payload: { service_id: 'r1' } });
  await h.settled('r1', 'active');
  await second.receivedThrough(committedAfter(h, 0).at(-1)?.seq ?? 0);
  assert.deepEqual(seqs(second.transitions()), seqs(committedAfter(h, resumeFrom)));
  await second.close();
});

test('a catch-up over many pages while new transitions keep committing has no gaps and no duplicates', async (t) => {
  const h = createHarness({ app: { feed: { catchUpPageSize: 3 } } });
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}&since=0`;
  await createSettled(h, Array.from({ length: 8 }, (_, i) => `p${i}`));

  const connecting = FeedClient.connect(url);
  const creating = createSettled(h, Array.from({ length: 8 }, (_, i) => `q${i}`));
  const [client] = await Promise.all([connecting, creating]);
  const truth = committedAfter(h, 0);
  await client.receivedThrough(truth.at(-1)?.seq ?? 0);
  assert.deepEqual(seqs(client.transitions()), seqs(truth));
  await client.close();
});

test('the service_id filter delivers only that service, from the backlog and live', async (t) => {
  const h = createHarness({ app: { feed: { catchUpPageSize: 2 } } });
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}&since=0&service_id=f1`;
  await createSettled(h, ['f1', 'f2']);
  const client = await FeedClient.connect(url);
  assert.equal(client.hello.service_id, 'f1');
  for (const id of ['f2', 'f1']) {
    await h.call({ method: 'POST', url: '/suspend', payload: { service_id: id } });
    await h.settled(id, 'suspended');
  }
  const truth = committedAfter(h, 0, 'f1');
  await client.receivedThrough(truth.at(-1)?.seq ?? 0);
  assert.deepEqual(seqs(client.transitions()), seqs(truth));
  assert.ok(client.transitions().every((transition) => transition.service_id === 'f1'));
  await client.close();
});

/** Effects whose install fails with a large message: every create commits one large transition. */
function largeFailures(bytes: number) {
  return {
    ...succeedingEffects(),
    installWordPress: async (): Promise<void> => {
      throw new AppError('INTERNAL', 'x'.repeat(bytes));
    },
  };
}

test('a live client that stops reading is closed with 1013 "slow consumer" instead of being buffered', async (t) => {
  const h = createHarness({ stack: { effects: largeFailures(512 * 1024) }, app: { feed: { maxBufferedBytes: 64 * 1024 } } });
  t.after(() => h.close());
  const client = await FeedClient.connect(`ws://${await h.listen()}/v1/events?token=${TOKEN}`);
  client.pauseReading();
  // About 12 MiB of transitions: more than the kernel's socket buffers can absorb.
  await createSettled(h, Array.from({ length: 24 }, (_, i) => `s${i}`), 'failed');
  client.resumeReading();

  assert.deepEqual(await client.closed, { code: 1013, reason: 'slow consumer' });
  // What did arrive is an unbroken prefix: the client resumes from its last seq.
  const received = seqs(client.transitions());
  assert.deepEqual(received, seqs(committedAfter(h, client.hello.since)).slice(0, received.length));
  assert.ok(received.length < committedAfter(h, client.hello.since).length);
});

test('a catch-up the client does not drain is closed with 1013 after the drain timeout', async (t) => {
  const h = createHarness({
    stack: { effects: largeFailures(512 * 1024) },
    app: { feed: { maxBufferedBytes: 64 * 1024, drainTimeoutMs: 300, catchUpPageSize: 4 } },
  });
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}&since=0`;
  await createSettled(h, Array.from({ length: 24 }, (_, i) => `c${i}`), 'failed');
  const client = await FeedClient.connect(url);
  client.pauseReading();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  client.resumeReading();

  assert.deepEqual(await client.closed, { code: 1013, reason: 'slow consumer' });
  const received = seqs(client.transitions());
  assert.deepEqual(received, seqs(committedAfter(h, 0)).slice(0, received.length));
  assert.ok(received.length < committedAfter(h, 0).length);
});

test('closing the app closes feed sockets with 1001', async (t) => {
  const h = createHarness();
  let closed = false;
  t.after(() => (closed ? undefined : h.close()));
  const client = await FeedClient.connect(`ws://${await h.listen()}/v1/events?token=${TOKEN}`);
  const started = Date.now();
  await h.close();
  closed = true;
  assert.deepEqual(await client.closed, { code: 1001, reason: 'server shutting down' });
  assert.ok(Date.now() - started < 2_000);
});

test('many subscribers, their frames coalesced with a wait bound, each receive every transition once and in order; a filtered one only its service', async (t) => {
  const h = createHarness({ app: { feed: { coalesceMs: 5 } } });
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}`;
  await createSettled(h, ['m0']);
  const clients = await Promise.all(Array.from({ length: 8 }, () => FeedClient.connect(url)));
  const filtered = await FeedClient.connect(`${url}&service_id=m2`);
  const since = clients[0]?.hello.last_seq ?? 0;

  // Concurrent creates: several transitions commit within one event-loop turn and share writes.
  const ids = Array.from({ length: 6 }, (_, i) => `m${i + 1}`);
  const created = await Promise.all(ids.map((id) => h.call({ method: 'POST', url: '/create-site', payload: siteBody(id) })));
  assert.ok(created.every((response) => response.statusCode === 201));
  for (const id of ids) await h.settled(id, 'active');

  const truth = committedAfter(h, since);
  for (const client of clients) {
    await client.receivedThrough(truth.at(-1)?.seq ?? 0);
    assert.deepEqual(seqs(client.transitions()), seqs(truth));
    // The shared bytes decode to the same message for everyone.
    assert.deepEqual(client.transitions(), clients[0]?.transitions());
  }
  const own = committedAfter(h, since, 'm2');
  await filtered.receivedThrough(own.at(-1)?.seq ?? 0);
  assert.deepEqual(seqs(filtered.transitions()), seqs(own));
  await Promise.all([...clients, filtered].map((client) => client.close()));
});

test('a subscriber that stops reading is closed with 1013 while the others receive every transition', async (t) => {
  // The default 1 MiB limit; 32 transitions of 512 KiB are 16 MiB, beyond the kernel's buffers.
  const h = createHarness({ stack: { effects: largeFailures(512 * 1024) } });
  t.after(() => h.close());
  const url = `ws://${await h.listen()}/v1/events?token=${TOKEN}`;
  const readers = [await FeedClient.connect(url), await FeedClient.connect(url)];
  const stalled = await FeedClient.connect(url);
  stalled.pauseReading();
  // One at a time: the readers (in this process) get to read each 512 KiB transition before the
  // next is committed, so only the stalled client falls behind by the limit.
  for (let i = 0; i < 32; i++) await createSettled(h, [`w${i}`], 'failed');
  stalled.resumeReading();

  assert.deepEqual(await stalled.closed, { code: 1013, reason: 'slow consumer' });
  const truth = committedAfter(h, stalled.hello.since);
  const received = seqs(stalled.transitions());
  assert.deepEqual(received, seqs(truth).slice(0, received.length));
  assert.ok(received.length < truth.length);
  for (const reader of readers) {
    await reader.receivedThrough(truth.at(-1)?.seq ?? 0, 15_000);
    assert.deepEqual(seqs(reader.transitions()), seqs(truth));
    await reader.close();
  }
});
