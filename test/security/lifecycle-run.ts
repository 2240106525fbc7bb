/**
 * One site's whole life driven over the daemon's API, with every place a secret could surface
 * exercised and recorded: requests refused for a wrong token (HTTP and WebSocket), the token in
 * `?token=` on the feed and on plain HTTP, the services' logs, three feeds (live with logs by
 * header and by query token, a replay by subprotocol), a forced re-login to NPM and ISPConfig,
 * an upstream authentication failure, and the passwords WordPress generated along the way.
 */
import assert from 'node:assert/strict';
import { API_TOKEN, poll } from '../support/sandbox-process.js';
import { FeedRecorder, refusedUpgradeStatus } from './feed-recorder.js';
import type { LoggedStack } from './logged-stacks.js';
import type { Secret, Source } from './secret-search.js';
import { wordpressSecrets } from './wordpress-secrets.js';

/** Generous for any state change; the sandbox provisions in about a second here. */
const SETTLE_MS = 30_000;

export interface LifecycleCapture {
  /** Feed messages and service logs, one source each. */
  readonly sources: Source[];
  /** Passwords and keys generated inside containers during the run. */
  readonly generated: Secret[];
  /** Facts that prove the capture saw each kind of output, for the test to assert. */
  readonly seen: { feedTransitions: number; feedLogLines: number; serviceLogLines: number; replayed: number };
}

async function status(host: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://${host}${path}`, { headers });
  await response.arrayBuffer();
  return response.status;
}

/** Requests that must be refused, each carrying a credential somewhere a log could pick it up. */
async function refusedRequests(stack: LoggedStack): Promise<void> {
  const { host } = stack;
  const basic = `Basic ${Buffer.from(`provisiond:${API_TOKEN}`).toString('base64')}`;
  const http: [string, Record<string, string>, number][] = [
    ['/v1/services', {}, 401],
    ['/v1/services', { authorization: 'Bearer not-the-token-at-all-000' }, 401],
    ['/status?service_id=sec-nope', { authorization: `Bearer ${API_TOKEN}-stale` }, 401],
    ['/v1/services', { authorization: basic }, 401],
    // HTTP routes take the header only: a query token is refused, and must not be logged.
    [`/v1/services?token=${API_TOKEN}`, {}, 401],
    [`/v1/services?%74oken=${API_TOKEN}`, {}, 401],
    [`/v1/events?since=0&token=${API_TOKEN}`, {}, 401],
    [`/v1/events?token=${API_TOKEN}`, { authorization: `Bearer ${API_TOKEN}` }, 426],
    [`/nowhere?token=${encodeURIComponent(API_TOKEN)}`, { authorization: `Bearer ${API_TOKEN}` }, 404],
  ];
  // Messages name the request by number and path: its query may hold the token.
  for (const [i, [path, headers, expected]] of http.entries()) {
    assert.equal(await status(host, path, headers), expected, `refused request #${i} GET ${path.split('?')[0]}`);
  }
  const ws = `ws://${host}`;
  const upgrades: [string, { headers?: Record<string, string>; protocols?: string[] }, number][] = [
    ['/v1/events?token=wrong-token-of-some-length', {}, 401],
    [`/v1/events?token=${API_TOKEN}-stale`, {}, 401],
    [`/v1/events?token=${API_TOKEN}`, { headers: { authorization: 'Bearer wrong' } }, 401],
    ['/v1/events', { protocols: ['provisiond.v1', `bearer.${API_TOKEN}x`] }, 401],
    [`/v1/nowhere?token=${API_TOKEN}`, {}, 404],
  ];
  for (const [i, [path, options, expected]] of upgrades.entries()) {
    assert.equal(await refusedUpgradeStatus(`${ws}${path}`, options), expected, `refused upgrade #${i} ${path.split('?')[0]}`);
  }
}

async function control(stack: LoggedStack, path: string): Promise<void> {
  const response = await fetch(`${stack.connection.control.url}${path}`, { method: 'POST' });
  assert.equal(response.status, 200, `control ${path}`);
  await response.arrayBuffer();
}

/** POST an operator command and wait for the service to settle in `active` again. */
async function operate(stack: LoggedStack, serviceId: string, path: string, body: unknown, busyState: string): Promise<void> {
  const reply = await stack.api.call('POST', `/v1/services/${serviceId}${path}`, body);
  assert.equal(reply.status, 200, `${path}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.body.state, busyState, `${path} started`);
  await stack.api.waitForState(serviceId, 'active', SETTLE_MS);
}

async function serviceLog(stack: LoggedStack, serviceId: string, when: string): Promise<Source> {
  const reply = await stack.api.call<{ lines: unknown[] }>('GET', `/v1/services/${serviceId}/log?limit=2000`);
  assert.equal(reply.status, 200, `log of ${serviceId}`);
  return { name: `service ${serviceId} log (${when})`, text: reply.body.lines.map((line) => JSON.stringify(line)).join('\n') };
}

export interface LifecycleOptions {
  /**
   * How the custom domain ends. In REAL MODE the zone gets NS records through ISPConfig's
   * `dns_ns_add`, which the sandbox's simulator does not serve, so there it ends `failed`
   * (UPSTREAM_REJECTED) — its error still travels through the feed and the logs.
   */
  readonly domain: { readonly state: 'active' | 'failed'; readonly code: string | null };
}

export async function runLifecycle(stack: LoggedStack, tag: string, options: LifecycleOptions): Promise<LifecycleCapture> {
  const { api, probe, host } = stack;
  const site = `sec-${tag}-1`;
  const failing = `sec-${tag}-2`;
  const domain = `shop-${tag}.example.org`;
  const feedUrl = `ws://${host}/v1/events?since=0&logs=true`;
  const byHeader = await FeedRecorder.open('feed (header, logs)', feedUrl, { headers: { authorization: `Bearer ${API_TOKEN}` } });
  const byQuery = await FeedRecorder.open('feed (?token=, logs)', `${feedUrl}&token=${API_TOKEN}`);
  const feeds = [byHeader, byQuery];
  const sources: Source[] = [];
  const generated: Secret[] = [];
  try {
    await refusedRequests(stack);

    const created = await api.createSite(site, `secrets-${tag}@example.com`);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { vmid } = await api.waitForState(site, 'active', SETTLE_MS);
    generated.push(...(await wordpressSecrets(stack.connection.ssh, vmid, 'install')));

    // Both systems that log in with a password must do it again, on the record.
    await control(stack, '/npm/expire-tokens');
    await control(stack, '/ispconfig/expire-sessions');
    // Delay the first ownership check's DNS answer so it sees the record published just after the reply.
    await probe.injectFault({ op: 'dns.query', kind: 'latency', latencyMs: 1_500, times: 1 });
    const added = await api.call<{ verification: { name: string; value: string } }>('POST', '/customdomain/add', { service_id: site, domain });
    assert.equal(added.status, 202, JSON.stringify(added.body));
    await probe.publishTxt(added.body.verification.name, [added.body.verification.value]);
    await poll(() => api.status(site), (s) => s.domains.some((d) => d.domain === domain && (d.state === 'active' || d.state === 'failed')), SETTLE_MS, `${domain} to settle`);
    // Codes only: a message could carry what this test is looking for, and must not be printed.
    assert.deepEqual((await api.status(site)).domains.map((d) => [d.domain, d.state, d.error?.code ?? null]), [[domain, options.domain.state, options.domain.code]]);

    assert.equal((await api.call('POST', '/suspend', { service_id: site })).status, 200);
    await api.waitForState(site, 'suspended', SETTLE_MS);
    assert.equal((await api.call('POST', '/unsuspend', { service_id: site })).status, 200);
    await api.waitForState(site, 'active', SETTLE_MS);

    await operate(stack, site, '/reinstall', undefined, 'reinstalling');
    generated.push(...(await wordpressSecrets(stack.connection.ssh, vmid, 'reinstall')));
    await operate(stack, site, '/plan', { plan: 'premium' }, 'resizing');

    // An upstream that refuses our credential: its error travels to the feed and the log.
    await probe.injectFault({ op: 'proxmox.lxc.create', kind: 'status', status: 401, message: 'authentication failure', times: 'always' });
    assert.equal((await api.createSite(failing, `failing-${tag}@example.com`)).status, 201);
    const failed = await api.waitForState(failing, 'failed', SETTLE_MS);
    assert.equal(failed.failure?.code, 'UPSTREAM_AUTH_FAILED', JSON.stringify(failed.failure));
    await probe.clearFaults();

    sources.push(await serviceLog(stack, site, 'active'), await serviceLog(stack, failing, 'failed'));
    for (const id of [site, failing]) {
      assert.equal((await api.call('POST', '/delete-site', { service_id: id })).status, 200);
      await api.waitForState(id, 'deleted', SETTLE_MS);
    }
    sources.push(await serviceLog(stack, site, 'deleted'), await serviceLog(stack, failing, 'deleted'));

    // Everything committed, replayed to a client that offers the token as a subprotocol.
    const live = byHeader.count('transition');
    await poll(async () => byQuery.count('transition'), (n) => n === live, 5_000, 'the query-token feed to have every transition');
    const replay = await FeedRecorder.open('feed (subprotocol, replay)', `ws://${host}/v1/events?since=0`, { protocols: ['provisiond.v1', `bearer.${API_TOKEN}`] });
    feeds.push(replay);
    await poll(async () => replay.count('transition'), (n) => n >= live, 5_000, 'the replay to catch up');
    return {
      sources: [...sources, ...feeds.map((feed) => feed.source())],
      generated,
      seen: {
        feedTransitions: live,
        feedLogLines: byHeader.count('log'),
        serviceLogLines: sources.reduce((n, s) => n + s.text.split('\n').length, 0),
        replayed: replay.count('transition'),
      },
    };
  } finally {
    await Promise.all(feeds.map((feed) => feed.close()));
  }
}
