/**
 * JSON by default, pretty on a terminal or when asked — and the redaction holds in both forms,
 * for fields logged by the daemon and for the requests Fastify logs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, resolveLogFormat } from '../../src/log.js';
import { createHarness } from '../server/harness.js';

const SECRETS = ['pw-0f3a9c-secret', 'tok-77d1e0-secret', 'api-5b2e84-secret', 'sec-a19c3d-secret', 'key-c0ffee-secret', 'query-9e8d7c-secret', 'bearer-4242aa-secret'];

function capture(format: 'json' | 'pretty') {
  const chunks: string[] = [];
  const logger = createLogger({ level: 'trace', format, destination: { write: (text: string) => void chunks.push(text) } });
  return { logger, text: () => chunks.join('') };
}

function logEverySecret(logger: ReturnType<typeof createLogger>): void {
  logger.info(
    {
      upstream: { password: SECRETS[0], token: SECRETS[1], apiToken: SECRETS[2], secret: SECRETS[3], privateKey: SECRETS[4] },
      req: { method: 'GET', url: `/v1/events?since=0&token=${SECRETS[5]}` },
      headers: { authorization: `Bearer ${SECRETS[6]}` },
    },
    'a line full of secrets',
  );
}

describe('the log format', () => {
  it('is pretty on a terminal unless JSON is forced, and JSON elsewhere unless pretty is asked for', () => {
    assert.equal(resolveLogFormat('auto', true), 'pretty');
    assert.equal(resolveLogFormat('auto', false), 'json');
    assert.equal(resolveLogFormat('json', true), 'json');
    assert.equal(resolveLogFormat('pretty', false), 'pretty');
  });

  it('writes JSON lines by default', () => {
    const { logger, text } = capture('json');
    logger.info({ serviceId: '42' }, 'hello');
    const line = JSON.parse(text()) as Record<string, unknown>;
    assert.deepEqual([line.msg, line.serviceId, line.level, line.service], ['hello', '42', 30, 'provisiond']);
  });

  for (const format of ['json', 'pretty'] as const) {
    it(`redacts every secret in ${format} form`, () => {
      const { logger, text } = capture(format);
      logEverySecret(logger);
      const out = text();
      assert.match(out, /a line full of secrets/);
      for (const secret of SECRETS) assert.ok(!out.includes(secret), `${secret} leaked in ${format}: ${out}`);
      assert.ok((out.match(/\[redacted\]/g) ?? []).length >= 7, out);
      if (format === 'pretty') {
        assert.throws(() => JSON.parse(out), 'pretty output is not JSON');
        assert.match(out, /INFO/);
      }
    });
  }

  it("keeps the requests Fastify logs free of the token in pretty form too", async () => {
    const { logger, text } = capture('pretty');
    const harness = createHarness({ app: { logger } });
    try {
      const response = await harness.app.inject({ method: 'GET', url: `/v1/services?token=${SECRETS[5]}`, headers: { authorization: `Bearer ${SECRETS[6]}` } });
      assert.equal(response.statusCode, 401);
    } finally {
      await harness.close();
    }
    const out = text();
    assert.match(out, /request completed/);
    assert.match(out, /token=\[redacted\]/);
    for (const secret of SECRETS) assert.ok(!out.includes(secret), `${secret} leaked: ${out}`);
  });
});
