/**
 * Raw bytes against a listening app (what app.inject cannot send): broken request lines, header
 * floods, oversized and duplicated headers, lying Content-Length and Transfer-Encoding,
 * connections dropped mid-request. Each answer has a status below 500; an error the app writes
 * has the documented shape; only the right (first) bearer token can succeed; a refused request
 * leaves the database as it was; and the server answers a valid request after every case.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { AUTH, TOKEN } from '../server/harness.js';
import { createFuzzApp, SEEDED, type FuzzApp } from './fuzz-app.js';
import { CaseCount, fuzzParameters } from './fuzz-runs.js';
import { isBearerFor } from './documented-rules.js';
import { exchange, firstResponse, getStatus } from './raw-http.js';
import { rawCase } from './raw-requests.js';
import { errorBodyOf } from './reply-check.js';

/** How long a case may take before the client gives up listening (a kept-open request waits for ever). */
const DEADLINE_MS = { 'half-close': 3_000, 'keep-open': 150, drop: 1_000 } as const;

const count = new CaseCount();
let fuzz: FuzzApp;
let port: number;

before(async () => {
  fuzz = await createFuzzApp();
  await fuzz.harness.app.listen({ host: '127.0.0.1', port: 0 });
  port = (fuzz.harness.app.server.address() as AddressInfo).port;
});
after(async () => {
  console.error(`http-raw fuzz: ${count.total} raw requests`);
  await fuzz.close();
});

test('raw HTTP abuse never gets a 5xx, an undocumented error or a database change, and the server keeps serving', async () => {
  await fc.assert(
    fc.asyncProperty(rawCase, async (raw) => {
      count.add();
      const beforeDigest = fuzz.digest();
      const { received, closedByServer } = await exchange(port, raw.bytes, raw.ending, DEADLINE_MS[raw.ending]);
      const response = firstResponse(received);
      const what = `${raw.summary} → ${received.toString('latin1').slice(0, 300)}`;
      if (raw.ending === 'half-close') assert.ok(response !== undefined || closedByServer, `${what}: neither an answer nor a close`);
      if (response !== undefined) {
        assert.ok(response.status < 500, `${what}: status ${response.status}`);
        // Parser-level refusals (400, 408, 431) come in the documented shape too (clientErrorHandler).
        if (response.status >= 300 && response.body !== '') errorBodyOf(response.status, response.body, what);
        if (response.status < 300) assert.ok(isBearerFor(TOKEN, raw.firstAuthorization), `${what}: succeeded without the right first Authorization`);
      }
      if (response !== undefined && response.status < 300) await fuzz.quiesce();
      else if (response === undefined && isBearerFor(TOKEN, raw.firstAuthorization)) {
        // The connection ended before an answer arrived: a valid, authenticated first request
        // may have been carried out all the same. Anything else must have changed nothing.
        await fuzz.quiesce();
      } else assert.deepEqual(fuzz.digest().tables, beforeDigest.tables, `${what}: the database changed`);
      assert.equal(await getStatus(port, `/v1/services/${SEEDED.active}`, AUTH.authorization), 200, `${what}: the server stopped answering`);
    }),
    fuzzParameters(150),
  );
});
