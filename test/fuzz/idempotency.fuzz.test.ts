/**
 * Idempotency-Key reuse. README: "a repeat with the same key gets the first answer (error
 * included) and changes nothing". Random sequences of commands (webhooks and resource API;
 * known, deleted, failed and unknown services) share a few keys:
 * - a request repeated as it was, key included, gets the first status and the same error or
 *   the same service, and leaves the database as it was;
 * - a key reused for a different command is refused with 422 IDEMPOTENCY_KEY_REUSED, naming
 *   the header, and changes nothing (README's error table).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { createFuzzApp, PAYMENTER_ID, SEEDED, SEEDED_DOMAIN, type FuzzApp } from './fuzz-app.js';
import { fuzzParameters } from './fuzz-runs.js';

interface Command {
  /** The registry command the route stands for: a webhook and its resource route share one. */
  readonly type: string;
  readonly url: (serviceId: string) => string;
  readonly body: (serviceId: string) => Record<string, unknown> | undefined;
}

const COMMANDS: readonly Command[] = [
  ...(['suspend', 'unsuspend', 'delete'] as const).map((type): Command => ({ type, url: () => (type === 'delete' ? '/delete-site' : `/${type}`), body: (id) => ({ service_id: id }) })),
  ...['suspend', 'unsuspend', 'delete', 'retry', 'reinstall', 'restore'].map((type): Command => ({ type, url: (id) => `/v1/services/${id}/${type}`, body: () => undefined })),
  { type: 'changePlan', url: (id) => `/v1/services/${id}/plan`, body: () => ({ plan: 'premium' }) },
  { type: 'domain.add', url: () => '/customdomain/add', body: (id) => ({ service_id: id, domain: SEEDED_DOMAIN }) },
];

interface Step {
  readonly kind: number;
  readonly serviceId: string;
  readonly key: string;
}

const step: fc.Arbitrary<Step> = fc.record({
  kind: fc.nat({ max: COMMANDS.length - 1 }),
  serviceId: fc.constantFrom(SEEDED.active, SEEDED.suspended, SEEDED.deleted, SEEDED.failed, String(PAYMENTER_ID), 'nobody-here'),
  key: fc.constantFrom('k1', 'k2', 'k3'),
});

let fuzz: FuzzApp;
let run = 0;
before(async () => {
  fuzz = await createFuzzApp();
});
after(() => fuzz.close());

interface Sent {
  readonly step: Step;
  readonly response: LightMyRequestResponse;
  readonly what: string;
  readonly changed: boolean;
}

/** Plays `steps`, each key prefixed afresh (the inbox remembers keys for ever). */
async function play(steps: readonly Step[], onRepeat: (first: Sent, repeat: Sent) => void): Promise<void> {
  const prefix = `run-${run++}-`;
  const first = new Map<string, Sent>();
  for (const current of steps) {
    const { url, body } = COMMANDS[current.kind] as Command;
    const payload = body(current.serviceId);
    const before = fuzz.digest();
    const response = await fuzz.harness.call({ method: 'POST', url: url(current.serviceId), headers: { 'idempotency-key': prefix + current.key }, ...(payload === undefined ? {} : { payload }) });
    const what = `${url(current.serviceId)} ${JSON.stringify(payload)} key ${current.key} → ${response.statusCode} ${response.body.slice(0, 200)}`;
    assert.ok(response.statusCode < 500, what);
    const sent = { step: current, response, what, changed: JSON.stringify(fuzz.digest()) !== JSON.stringify(before) };
    const earlier = first.get(current.key);
    if (earlier === undefined) first.set(current.key, sent);
    else onRepeat(earlier, sent);
    if (response.statusCode < 300) await fuzz.quiesce();
  }
}

const sameCommand = (a: Step, b: Step): boolean => COMMANDS[a.kind]?.type === COMMANDS[b.kind]?.type && a.serviceId === b.serviceId;

/** A repeat of the same command gets the first answer and changes nothing. */
function assertReplayed(first: Sent, repeat: Sent): void {
  assert.equal(repeat.response.statusCode, first.response.statusCode, `${repeat.what}: first answer was ${first.what}`);
  const [was, is] = [first.response.json() as Record<string, unknown>, repeat.response.json() as Record<string, unknown>];
  if (repeat.response.statusCode >= 400) assert.deepEqual(is, was, repeat.what);
  else assert.equal(is.service_id, was.service_id, repeat.what);
  assert.ok(!repeat.changed, `${repeat.what}: a repeat changed the database`);
}

test('a request repeated with its Idempotency-Key gets the first answer and changes nothing', async () => {
  // Every key stands for one request; a sequence repeats some of them.
  const repeated = fc.array(step, { minLength: 1, maxLength: 4 }).chain((distinct) => {
    const requests = distinct.map((entry, i) => ({ ...entry, key: `k${i}` }));
    return fc.array(fc.constantFrom(...requests), { minLength: 2, maxLength: 10 });
  });
  await fc.assert(
    fc.asyncProperty(repeated, async (steps) => {
      await play(steps, assertReplayed);
    }),
    fuzzParameters(30),
  );
});

test('a key reused for another command is refused with 422 IDEMPOTENCY_KEY_REUSED and changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 2, maxLength: 10 }), async (steps) => {
      await play(steps, (first, repeat) => {
        if (sameCommand(first.step, repeat.step)) return assertReplayed(first, repeat);
        assert.equal(repeat.response.statusCode, 422, `${repeat.what}: first delivery was ${first.what}`);
        assert.deepEqual(
          [(repeat.response.json() as { error: { code: string; field?: string } }).error.code, (repeat.response.json() as { error: { field?: string } }).error.field],
          ['IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key'],
          repeat.what,
        );
        assert.ok(!repeat.changed, `${repeat.what}: a refused key changed the database`);
      });
    }),
    fuzzParameters(30),
  );
});
