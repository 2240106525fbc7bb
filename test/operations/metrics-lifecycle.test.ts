/**
 * GET /metrics after a whole lifecycle against the in-process sandbox, with the real effects
 * composed as the daemon composes them (buildInfrastructure with the metrics' observer): every
 * family is there, transitions add up to the log's sequence, each system's operations are
 * timed, a transient failure is counted by its code, and the in-flight gauges return to 0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ActorRegistry } from '../../src/actors/service-registry.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';
import { startInProcessDaemon, type InProcessDaemon } from '../support/in-process-daemon.js';
import { waitFor } from '../support/stack.js';
import { families, parseExposition, select, total, type Sample } from './exposition.js';

const TOKEN = 'operations-metrics-token-0123';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const ID = '7101';

describe('GET /metrics after a lifecycle against the sandbox', () => {
  let daemon: InProcessDaemon;
  let sandbox: Sandbox;
  let registry: ActorRegistry;
  let app: InProcessDaemon['app'];
  const state = () => registry.get(ID)?.state;
  const reach = async (wanted: string) => {
    await waitFor(() => state() === wanted || state() === 'failed', 30_000, `service ${ID} to be ${wanted}`);
    assert.equal(state(), wanted, JSON.stringify(registry.get(ID)?.failure));
  };
  const command = async (url: string, status = 200) => {
    const response = await app.inject({ method: 'POST', url, headers: AUTH, payload: { service_id: ID } });
    assert.equal(response.statusCode, status, response.body);
  };
  const scrape = async (): Promise<{ text: string; samples: Sample[] }> => {
    const response = await app.inject({ method: 'GET', url: '/metrics', headers: AUTH });
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return { text: response.body, samples: parseExposition(response.body) };
  };

  before(async () => {
    daemon = await startInProcessDaemon({
      timeScale: 0.002,
      privateIps: { first: '127.44.0.100', last: '127.44.0.120' },
      vmids: { first: 7100, last: 7199 },
      apiToken: TOKEN,
      metrics: createMetrics(),
    });
    ({ sandbox, registry, app } = daemon);
  });

  after(() => daemon.close());

  it('refuses /metrics without the token', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 401);
    assert.equal((response.json() as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  });

  it('counts a provision in flight while it is built, and none once the site is active', async () => {
    // One refused DNS record write: the step backs off and retries, and the failure is counted.
    sandbox.faults.inject({ op: 'cloudflare.dns_records.create', kind: 'status', status: 503, times: 1 });
    const created = await app.inject({ method: 'POST', url: '/create-site', headers: AUTH, payload: { service_id: ID, email: 'metrics@example.com', plan: 'basic', public_ip: '203.0.113.10' } });
    assert.equal(created.statusCode, 201, created.body);
    // The actor starts just after the answer (off the request path); then it is in memory.
    await waitFor(() => registry.size === 1, 5_000, 'the actor to start');
    const building = (await scrape()).samples;
    assert.equal(total(building, 'provisiond_provisions_in_flight'), 1);
    assert.equal(total(building, 'provisiond_services_in_flight'), 1);
    assert.equal(total(building, 'provisiond_live_services'), 1);
    await reach('active');
    const built = (await scrape()).samples;
    assert.equal(total(built, 'provisiond_provisions_in_flight'), 0);
  });

  it('shows every family with sensible values after suspend, unsuspend and delete', async () => {
    await command('/suspend');
    await reach('suspended');
    await command('/unsuspend');
    await reach('active');
    await command('/delete-site');
    await reach('deleted');
    const { text, samples } = await scrape();

    const declared = families(text);
    for (const [name, type] of [
      ['provisiond_transitions_total', 'counter'], ['provisiond_effect_duration_seconds', 'histogram'], ['provisiond_effect_failures_total', 'counter'],
      ['provisiond_effects_in_flight', 'gauge'], ['provisiond_queue_depth', 'gauge'], ['provisiond_provisions_in_flight', 'gauge'],
      ['provisiond_services_in_flight', 'gauge'], ['provisiond_live_services', 'gauge'], ['provisiond_http_requests_total', 'counter'],
      ['process_cpu_user_seconds_total', 'counter'], ['nodejs_eventloop_lag_seconds', 'gauge'],
    ] as const) assert.equal(declared.get(name), type, `family ${name}`);

    // Every committed transition is counted once: the counters add up to the log's last seq.
    assert.equal(total(samples, 'provisiond_transitions_total'), registry.lastSeq());
    assert.ok(total(samples, 'provisiond_transitions_total', { from: 'provisioning', to: 'active' }) >= 1);
    assert.equal(total(samples, 'provisiond_transitions_total', { from: 'pending', to: 'allocating', event: 'create' }), 1);
    assert.ok(total(samples, 'provisiond_transitions_total', { to: 'deleted' }) >= 1);
    for (const s of select(samples, 'provisiond_transitions_total')) assert.doesNotMatch(JSON.stringify(s.labels), new RegExp(ID), 'no service id in labels');

    for (const [system, operation] of [
      ['proxmox', 'createContainer'], ['proxmox', 'registerHa'], ['proxmox', 'takeSnapshot'], ['proxmox', 'shutdownContainer'], ['proxmox', 'startContainer'],
      ['proxmox', 'destroyContainer'], ['ssh', 'awaitReady'], ['ssh', 'installWordPress'], ['ssh', 'verifyInstall'], ['cloudflare', 'createDnsRecord'],
      ['cloudflare', 'deleteDnsRecord'], ['npm', 'createProxyHost'], ['npm', 'checkLive'], ['npm', 'deleteProxyHost'],
    ] as const) {
      const count = total(samples, 'provisiond_effect_duration_seconds_count', { system, operation, outcome: 'ok' });
      assert.ok(count >= 1, `${system} ${operation} timed (${count})`);
      assert.equal(total(samples, 'provisiond_effect_duration_seconds_bucket', { system, operation, outcome: 'ok', le: '+Inf' }), count);
      const seconds = total(samples, 'provisiond_effect_duration_seconds_sum', { system, operation, outcome: 'ok' });
      assert.ok(seconds > 0 && seconds < 30, `${system} ${operation} took ${seconds} s`);
    }
    assert.equal(total(samples, 'provisiond_effect_failures_total', { system: 'cloudflare', operation: 'createDnsRecord', code: 'UPSTREAM_UNAVAILABLE' }), 1);
    assert.equal(total(samples, 'provisiond_effect_duration_seconds_count', { system: 'cloudflare', operation: 'createDnsRecord', outcome: 'error' }), 1);

    for (const system of ['proxmox', 'cloudflare', 'npm', 'ispconfig']) {
      assert.equal(select(samples, 'provisiond_queue_depth', { system }).length, 2, `${system}: active and pending`);
    }
    assert.equal(total(samples, 'provisiond_queue_depth'), 0, 'nothing running or waiting');
    assert.equal(total(samples, 'provisiond_effects_in_flight'), 0);
    assert.equal(total(samples, 'provisiond_provisions_in_flight'), 0);
    assert.equal(total(samples, 'provisiond_services_in_flight'), 0);
    assert.equal(total(samples, 'provisiond_live_services'), 0);

    assert.equal(total(samples, 'provisiond_http_requests_total', { method: 'POST', route: '/create-site', status: '201' }), 1);
    assert.equal(total(samples, 'provisiond_http_requests_total', { method: 'POST', route: '/suspend', status: '200' }), 1);
    assert.equal(total(samples, 'provisiond_http_requests_total', { method: 'GET', route: '/metrics', status: '401' }), 1);
    assert.ok(total(samples, 'provisiond_http_requests_total', { method: 'GET', route: '/metrics', status: '200' }) >= 2);
  });
});
