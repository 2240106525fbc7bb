/**
 * The operator part of the resource API and create-site?wait: each command's reply, and each
 * refusal with its own status, code and field, changing nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../src/errors.js';
import { succeedingDomainEffects, succeedingEffects } from '../support/stack.js';
import { AUTH, createHarness, errorOf, siteBody } from './harness.js';

/** An effect that runs until its actor cancels it, as the real effects do. */
const never = (_input: unknown, signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));

test('reinstall and restore answer with the busy state and the service settles active', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody('o1') });
  await h.settled('o1', 'active');
  for (const [command, busy] of [['reinstall', 'reinstalling'], ['restore', 'restoring']] as const) {
    const response = await h.call({ method: 'POST', url: `/v1/services/o1/${command}` });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { success: true, service_id: 'o1', state: busy });
    await h.settled('o1', 'active');
  }
  const shown = (await h.call({ method: 'GET', url: '/v1/services/o1' })).json() as { service: { initial_snapshot: boolean; last_error: unknown }; container: unknown };
  assert.equal(shown.service.initial_snapshot, true);
  assert.equal(shown.service.last_error, null);
  assert.equal(shown.container, null, 'no Proxmox reader configured: no reading, and no error');
});

test('restore without an initial snapshot is a 409 SNAPSHOT_MISSING; commands on a deleted service are 410', async (t) => {
  const h = createHarness({ stack: { effects: { ...succeedingEffects(), takeSnapshot: never } } });
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody('o2') });
  const restore = await h.call({ method: 'POST', url: '/v1/services/o2/restore' });
  assert.equal(restore.statusCode, 409);
  assert.equal(errorOf(restore).code, 'SNAPSHOT_MISSING');
  await h.call({ method: 'POST', url: '/delete-site', payload: { service_id: 'o2' } });
  await h.settled('o2', 'deleted');
  for (const url of ['/suspend', '/unsuspend']) {
    const response = await h.call({ method: 'POST', url, payload: { service_id: 'o2' } });
    assert.equal(response.statusCode, 410, url);
    assert.equal(errorOf(response).code, 'SERVICE_DELETED');
  }
  const again = await h.call({ method: 'POST', url: '/delete-site', payload: { service_id: 'o2' } });
  assert.equal(again.statusCode, 200, 'deleting what is deleted is done');
});

test('plan change: 200 with the requested plan, then the record has it; refusals name the field', async (t) => {
  const h = createHarness();
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody('o3') });
  await h.settled('o3', 'active');
  const missing = await h.call({ method: 'POST', url: '/v1/services/o3/plan', payload: {} });
  assert.deepEqual([missing.statusCode, errorOf(missing).field], [400, 'plan']);
  const unknown = await h.call({ method: 'POST', url: '/v1/services/o3/plan', payload: { plan: 'gold' } });
  assert.deepEqual([unknown.statusCode, errorOf(unknown).code, errorOf(unknown).field], [422, 'UNKNOWN_PLAN', 'plan']);

  const change = await h.call({ method: 'POST', url: '/v1/services/o3/plan', payload: { plan: 'premium' } });
  assert.equal(change.statusCode, 200, change.body);
  assert.deepEqual(change.json(), { success: true, service_id: 'o3', state: 'resizing', plan: 'basic', requested_plan: 'premium' });
  await h.settled('o3', 'active');
  const shown = (await h.call({ method: 'GET', url: '/status?service_id=o3' })).json() as { service: { plan: string; domain_quota: number } };
  assert.deepEqual([shown.service.plan, shown.service.domain_quota], ['premium', 5]);

  const shrink = await h.call({ method: 'POST', url: '/v1/services/o3/plan', payload: { plan: 'basic' } });
  assert.deepEqual([shrink.statusCode, errorOf(shrink).code, errorOf(shrink).field, errorOf(shrink).disk_gb], [409, 'PLAN_TOO_SMALL', 'plan', 40]);
});

test('custom domains: listed with the quota, a failed one retried by path', async (t) => {
  let certificateFails = true;
  const h = createHarness({
    stack: {
      domainEffects: {
        ...succeedingDomainEffects(),
        issueCertificate: async () => {
          if (certificateFails) throw new AppError('UPSTREAM_REJECTED', 'rate limited by the CA', { system: 'npm' });
        },
      },
    },
  });
  t.after(() => h.close());
  await h.call({ method: 'POST', url: '/create-site', payload: siteBody('o4') });
  await h.settled('o4', 'active');
  await h.call({ method: 'POST', url: '/v1/services/o4/domains', payload: { domain: 'Bücher.Example' } });
  await h.settled('o4', 'active');
  const listed = (await h.call({ method: 'GET', url: '/v1/services/o4/domains' })).json() as { quota: number; domains: { domain: string; state: string; error: { code: string } | null }[] };
  assert.equal(listed.quota, 3);
  assert.deepEqual(listed.domains.map((d) => [d.domain, d.state, d.error?.code]), [['xn--bcher-kva.example', 'failed', 'UPSTREAM_REJECTED']]);

  certificateFails = false;
  const retry = await h.call({ method: 'POST', url: '/v1/services/o4/domains/xn--bcher-kva.example/retry' });
  assert.equal(retry.statusCode, 202, retry.body);
  await h.settled('o4', 'active');
  const after = (await h.call({ method: 'GET', url: '/v1/services/o4/domains' })).json() as { domains: { state: string }[] };
  assert.equal(after.domains[0]?.state, 'active');
  const notFailed = await h.call({ method: 'POST', url: '/v1/services/o4/domains/xn--bcher-kva.example/retry' });
  assert.deepEqual([notFailed.statusCode, errorOf(notFailed).code, errorOf(notFailed).state], [409, 'STATE_CONFLICT', 'active']);
  const unknown = await h.call({ method: 'GET', url: '/v1/services/none/domains' });
  assert.equal(unknown.statusCode, 404);
});

test('create-site?wait answers when the service is active, 502 when it failed, 202 when time ran out', async (t) => {
  let installFails = false;
  let installHangs = false;
  const h = createHarness({
    stack: {
      effects: {
        ...succeedingEffects(),
        installWordPress: async (input, signal) => {
          if (installHangs) return never(input, signal);
          if (installFails) throw new AppError('INSTALL_FAILED', 'apt-get failed at step packages');
        },
      },
    },
  });
  t.after(() => h.close());
  const ok = await h.call({ method: 'POST', url: '/create-site?wait=10', payload: siteBody('w1') });
  assert.equal(ok.statusCode, 201);
  assert.equal((ok.json() as { state: string }).state, 'active');

  installFails = true;
  const failed = await h.call({ method: 'POST', url: '/create-site?wait=10', payload: siteBody('w2') });
  assert.equal(failed.statusCode, 502, failed.body);
  assert.deepEqual([errorOf(failed).code, errorOf(failed).state, (errorOf(failed).failure as { step: string }).step], ['PROVISIONING_FAILED', 'failed', 'install']);

  installFails = false;
  installHangs = true;
  const slow = await h.call({ method: 'POST', url: '/create-site?wait=1', payload: siteBody('w3') });
  assert.equal(slow.statusCode, 202);
  assert.equal((slow.json() as { state: string }).state, 'provisioning');

  const tooLong = await h.call({ method: 'POST', url: '/create-site?wait=600', payload: siteBody('w4') });
  assert.deepEqual([tooLong.statusCode, errorOf(tooLong).field], [400, 'wait']);
  assert.equal(h.stack.registry.get('w4'), undefined, 'a refused request creates nothing');
});

test('closing the server answers a create-site that is still waiting', async (t) => {
  const h = createHarness({ stack: { effects: { ...succeedingEffects(), installWordPress: never } } });
  t.after(() => h.stack.close());
  const base = await h.listen();
  const pending = fetch(`http://${base}/create-site?wait=100`, {
    method: 'POST',
    headers: { ...AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(siteBody('w5')),
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  await h.app.close();
  const response = await pending;
  assert.equal(response.status, 202);
  assert.ok(Date.now() - started < 5_000, 'shutdown was not held up by the wait');
});
