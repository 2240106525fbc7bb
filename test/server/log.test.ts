import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../support/stack.js';
import { AUTH, createHarness, siteBody, type Harness } from './harness.js';
import { FeedClient, refusedUpgrade } from './feed-client.js';

describe("a service's log", () => {
  let harness: Harness;
  let base: string;

  before(async () => {
    harness = createHarness();
    base = await harness.listen();
    await harness.call({ method: 'POST', url: '/create-site', payload: siteBody('log-1') });
  });
  after(() => harness.close());

  it('is served newest-last with a limit, and 404 for an unknown service', async () => {
    for (const line of ['==> step: locale', '==> step: packages', '==> step: done']) harness.stack.registry.appendLog('log-1', line);
    const response = await harness.call({ method: 'GET', url: '/v1/services/log-1/log?limit=2' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual((response.json() as { lines: { line: string }[] }).lines.map((l) => l.line), ['==> step: packages', '==> step: done']);
    assert.equal((await harness.call({ method: 'GET', url: '/v1/services/nobody/log' })).statusCode, 404);
    assert.equal((await harness.call({ method: 'GET', url: '/v1/services/log-1/log?limit=0' })).statusCode, 400);
  });

  it('drops lines for services that do not exist', () => {
    harness.stack.registry.appendLog('ghost', 'nothing owns this');
    assert.deepEqual(harness.stack.registry.logTail('ghost', 10), []);
  });

  it('streams on the feed to clients that ask for logs, filtered by service', async () => {
    const withLogs = await FeedClient.connect(`ws://${base}/v1/events?logs=true&service_id=log-1`, { headers: AUTH });
    const without = await FeedClient.connect(`ws://${base}/v1/events?service_id=log-1`, { headers: AUTH });
    harness.stack.registry.appendLog('log-1', '==> step: nginx');
    await harness.call({ method: 'POST', url: '/create-site', payload: siteBody('log-2') });
    harness.stack.registry.appendLog('log-2', 'another service');
    await waitFor(() => withLogs.messages.some((m) => m.type === 'log'), 5_000, 'a log message');
    const logs = withLogs.messages.filter((m) => m.type === 'log');
    assert.deepEqual(logs.map((l) => [l.service_id, l.line]), [['log-1', '==> step: nginx']]);
    assert.equal(without.messages.filter((m) => m.type === 'log').length, 0);
    await withLogs.close();
    await without.close();
  });

  it('refuses a malformed logs flag', async () => {
    const refused = await refusedUpgrade(`ws://${base}/v1/events?logs=maybe`, { headers: AUTH });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.field, 'logs');
  });
});
