/**
 * Every HTTP route, fed arbitrary and adversarial requests through app.inject over a real
 * registry and SQLite file. For each request: no 5xx (beyond README's documented 502/503), an
 * error body of the documented shape and code, success only for input that keeps every
 * documented rule, a valid request never refused as malformed, and a refused request leaves
 * the database as it was. After each route's run the app still serves a valid request.
 * Raw-socket abuse (what inject cannot send) is in http-raw.fuzz.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { siteBody } from '../server/harness.js';
import { checkReply } from './reply-check.js';
import { createFuzzApp, SEEDED, type FuzzApp } from './fuzz-app.js';
import { CaseCount, fuzzParameters } from './fuzz-runs.js';
import { ROUTES, requestArb } from './http-cases.js';

const count = new CaseCount();
const accepted = new CaseCount();
after(() => console.error(`http-routes fuzz: ${count.total} requests over ${Object.keys(ROUTES).length} routes, ${accepted.total} accepted`));

for (const [name, route] of Object.entries(ROUTES)) {
  describe(name, () => {
    let fuzz: FuzzApp;
    before(async () => {
      fuzz = await createFuzzApp();
    });
    after(() => fuzz.close());

    test('answers hostile input within the contract and changes nothing when it refuses', async () => {
      // A key seen before makes the request a replay: idempotency.fuzz.test.ts covers that.
      const usedKeys = new Set<string>();
      await fc.assert(
        fc.asyncProperty(requestArb(name, route), async (fuzzCase) => {
          const key = fuzzCase.request.headers['idempotency-key'];
          fc.pre(key === undefined || !usedKeys.has(key));
          count.add();
          const before = fuzz.digest();
          const response = await fuzz.harness.app.inject(fuzzCase.request);
          const after = fuzz.digest();
          // The inbox keeps the key of every command that reached the registry.
          if (key !== undefined && after.inboxRows > before.inboxRows) usedKeys.add(key);
          if (checkReply(fuzzCase, response, before, after)) {
            accepted.add();
            await fuzz.quiesce();
          }
        }),
        fuzzParameters(90),
      );
    });

    test('still serves valid requests afterwards', async () => {
      const read = await fuzz.harness.call({ method: 'GET', url: `/status?service_id=${SEEDED.active}` });
      assert.equal(read.statusCode, 200, read.body);
      const created = await fuzz.harness.call({ method: 'POST', url: '/create-site', payload: siteBody('after-fuzz') });
      assert.ok([200, 201].includes(created.statusCode), created.body);
      await fuzz.harness.settled('after-fuzz', 'active');
    });
  });
}
