import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  assertShape, call, OTHER_ZONE, recordsPath, SHAPES, startCloudflare, TOKEN, ZONE, type Answer,
} from './cloudflare-harness.js';

const firstError = (answer: Answer): unknown => (answer.body.errors as unknown[])[0];

describe('authentication', () => {
  test('a request without credentials answers 400 9106 in the bare envelope Cloudflare sends', async () => {
    const cf = await startCloudflare();
    try {
      const answer = await call(cf.base, recordsPath(), { token: null });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body, {
        success: false,
        errors: [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }],
      });
    } finally {
      await cf.close();
    }
  });

  test('a malformed Authorization header answers 400 6003 with 6111 in its chain', async () => {
    const cf = await startCloudflare();
    try {
      const expected = {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
      };
      for (const authorization of [`Basic ${TOKEN}`, 'Bearer', 'Bearer 0123456789abcdef0123456789abcdef01234']) {
        const answer = await call(cf.base, '/zones', { token: null, headers: { authorization } });
        assert.equal(answer.status, 400, authorization);
        assertShape(answer.body, SHAPES.zonesFailure);
        assert.deepEqual(firstError(answer), expected, authorization);
      }
    } finally {
      await cf.close();
    }
  });

  test('a well-formed token nobody issued answers 403 9109 "Invalid access token"', async () => {
    const cf = await startCloudflare();
    try {
      const answer = await call(cf.base, recordsPath(), { token: 'X'.repeat(40) });
      assert.equal(answer.status, 403);
      assertShape(answer.body, SHAPES.failure);
      assert.deepEqual(answer.body, { result: null, success: false, errors: [{ code: 9109, message: 'Invalid access token' }], messages: [] });
    } finally {
      await cf.close();
    }
  });

  test('global-key headers take precedence over a Bearer token, the SDK environment trap', async () => {
    const cf = await startCloudflare();
    try {
      const malformed = await call(cf.base, recordsPath(), { headers: { 'x-auth-email': 'ops@example.com', 'x-auth-key': 'secret' } });
      assert.equal(malformed.status, 400);
      assert.deepEqual(firstError(malformed), {
        code: 6003,
        message: 'Invalid request headers',
        error_chain: [{ code: 6103, message: 'Invalid format for X-Auth-Key header' }],
      });
      const unknown = await call(cf.base, recordsPath(), { headers: { 'x-auth-email': 'ops@example.com', 'x-auth-key': 'a'.repeat(37) } });
      assert.equal(unknown.status, 403);
      assert.deepEqual(firstError(unknown), { code: 9103, message: 'Unknown X-Auth-Key or X-Auth-Email' });
    } finally {
      await cf.close();
    }
  });

  test('GET /user/tokens/verify says an issued token is active, and 401 1000 for another', async () => {
    const cf = await startCloudflare();
    try {
      const ok = await call(cf.base, '/user/tokens/verify');
      assert.equal(ok.status, 200);
      assertShape(ok.body, SHAPES.singleId);
      assert.equal((ok.body.result as { status: string }).status, 'active');
      assert.match((ok.body.result as { id: string }).id, /^[0-9a-f]{32}$/);
      assert.deepEqual(ok.body.messages, [{ code: 10000, message: 'This API Token is valid and active', type: null }]);
      const bad = await call(cf.base, '/user/tokens/verify', { token: 'Y'.repeat(40) });
      assert.equal(bad.status, 401);
      assert.deepEqual(firstError(bad), { code: 1000, message: 'Invalid API Token' });
    } finally {
      await cf.close();
    }
  });
});

describe('zones', () => {
  test('GET /zones finds a zone by name and GET /zones/{id} returns it, in the spec shape', async () => {
    const cf = await startCloudflare();
    try {
      const all = await call(cf.base, '/zones');
      assert.equal(all.status, 200);
      assertShape(all.body, SHAPES.zonesList);
      assertShape(all.body, SHAPES.collection);
      assert.deepEqual((all.body.result as { name: string }[]).map((z) => z.name), ['example.com', 'example.org']);
      assert.deepEqual(all.body.result_info, { page: 1, per_page: 20, count: 2, total_count: 2, total_pages: 1 });

      const byName = await call(cf.base, '/zones?name=Example.COM&status=active');
      assert.deepEqual((byName.body.result as { id: string }[]).map((z) => z.id), [ZONE.id]);
      const byOperator = await call(cf.base, '/zones?name=ends_with:.org');
      assert.deepEqual((byOperator.body.result as { id: string }[]).map((z) => z.id), [OTHER_ZONE.id]);
      const none = await call(cf.base, '/zones?name=missing.test');
      assert.deepEqual(none.body.result, []);
      assert.deepEqual(none.body.result_info, { page: 1, per_page: 20, count: 0, total_count: 0, total_pages: 0 });
      // certbot asks per_page=1 and the real API answers: small sizes are raised to the minimum of 5.
      assert.equal((await call(cf.base, '/zones?per_page=1')).status, 200);
      assert.equal((await call(cf.base, '/zones?status=gone')).status, 400);

      const one = await call(cf.base, `/zones/${ZONE.id}`);
      assert.equal(one.status, 200);
      assertShape(one.body.result, '#/components/schemas/zones_zone');
      assert.equal((one.body.result as { name: string }).name, 'example.com');
      const unknown = await call(cf.base, `/zones/${'0'.repeat(32)}`);
      assert.equal(unknown.status, 400);
      assert.equal((firstError(unknown) as { code: number }).code, 7003);
    } finally {
      await cf.close();
    }
  });

  test('an unknown route answers 7003 "No route for the URI"', async () => {
    const cf = await startCloudflare();
    try {
      const answer = await call(cf.base, '/zones/x/rulesets');
      assert.equal(answer.status, 400);
      assertShape(answer.body, SHAPES.failure);
      assert.deepEqual(answer.body.errors, [{ code: 7003, message: 'No route for the URI' }]);
    } finally {
      await cf.close();
    }
  });
});

describe('rate limit', () => {
  test('the 1201st request within five minutes answers 429, code 10100 and Retry-After in seconds', async () => {
    const t = 1_700_000_000_000;
    const cf = await startCloudflare({ now: () => t });
    try {
      for (let i = 1; i <= 1200; i++) {
        const answer = await call(cf.base, '/zones');
        if (answer.status !== 200) assert.fail(`request ${i} answered ${answer.status}`);
      }
      const refused = await call(cf.base, '/zones');
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '300');
      assertShape(refused.body, SHAPES.zonesFailure);
      assert.deepEqual(refused.body, {
        result: null,
        success: false,
        errors: [{ code: 10100, message: 'More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed' }],
        messages: [],
      });
    } finally {
      await cf.close();
    }
  });

  test('the block lasts the window, refused calls still count, and a refused client stays blocked', async () => {
    let t = 1_000_000;
    const cf = await startCloudflare({ now: () => t, rateLimit: { requests: 3, windowMs: 10_000 } });
    const status = async (): Promise<[number, string | null]> => {
      const answer = await call(cf.base, recordsPath());
      return [answer.status, answer.headers.get('retry-after')];
    };
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual(await status(), [200, null]);
      assert.deepEqual(await status(), [429, '10']);
      t += 4_000;
      assert.deepEqual(await status(), [429, '6']);
      t += 2_000;
      assert.deepEqual(await status(), [429, '4']);
      t += 3_500;
      assert.deepEqual(await status(), [429, '1'], 'Retry-After rounds up');
      // The block is over, but the three refused calls since t0 are still in the window.
      t += 500;
      assert.deepEqual(await status(), [429, '10']);

      let u = 5_000_000;
      const quiet = await startCloudflare({ now: () => u, rateLimit: { requests: 2, windowMs: 10_000 } });
      try {
        const q = async (): Promise<number> => (await call(quiet.base, '/zones')).status;
        assert.deepEqual([await q(), await q(), await q()], [200, 200, 429]);
        u += 10_000;
        assert.equal(await q(), 200, 'a client that waits out the block is served again');
      } finally {
        await quiet.close();
      }
    } finally {
      await cf.close();
    }
  });

  test('every authenticated answer carries Ratelimit and Ratelimit-Policy; the budget is per token', async () => {
    const other = 'anotherSandboxTokenForTests_0123456789ab';
    const cf = await startCloudflare({ now: () => 0, tokens: [TOKEN, other], rateLimit: { requests: 2, windowMs: 60_000 } });
    try {
      const first = await call(cf.base, '/zones');
      assert.equal(first.headers.get('ratelimit'), '"default";r=1;t=60');
      assert.equal(first.headers.get('ratelimit-policy'), '"default";q=2;w=60');
      await call(cf.base, '/zones');
      assert.equal((await call(cf.base, '/zones')).status, 429);
      assert.equal((await call(cf.base, '/zones', { token: other })).status, 200);
    } finally {
      await cf.close();
    }
  });
});
