/**
 * The Paymenter extension (integrations/paymenter) against the daemon it drives: every PHP file
 * parses (`php -l`), and every request the extension sends — run by the PHP harness with
 * stand-ins for Laravel's Http facade — is one the OpenAPI document accepts and a real app
 * answers as the harness's script assumed. The scripted answers validate against the document
 * too, so the extension is tested on answers the daemon really gives.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHarness, TOKEN, type Harness } from '../server/harness.js';
import { OpenApiDocument } from '../server/openapi-validator.js';
import { lintError, phpFiles, phpVersion, runHarness, type HarnessRun, type RecordedRequest } from './php.js';

const version = phpVersion();
// CI must run these; a workstation without PHP is told how to get it.
if (version === undefined && process.env.CI === 'true') throw new Error('php is not installed (CI=true): apt-get install php-cli');
const skip = version === undefined ? 'php is not installed: apt-get install php-cli to run the Paymenter extension tests' : false;

/** Paymenter gives each extension call 120 s, once; the extension must end well within it. */
const JOB_LIMIT_S = 120;

let harness: Harness;
let document: OpenApiDocument;
let run: HarnessRun;

before(async () => {
  if (skip !== false) return;
  harness = createHarness({ app: { rateLimit: false } });
  const response = await harness.app.inject({ method: 'GET', url: '/docs/json' });
  document = new OpenApiDocument(response.json());
  run = runHarness(TOKEN);
});

after(async () => {
  if (skip === false) await harness.close();
});

const pathOf = (request: RecordedRequest) => new URL(request.url).pathname;
const target = (request: RecordedRequest) => `${request.scenario}: ${request.method} ${pathOf(request)}`;

/** No service has work in flight: the next request meets a settled daemon, as in real life. */
async function quiet(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (harness.stack.registry.list({ limit: 500 }).some((service) => service.busy)) {
    if (Date.now() > deadline) throw new Error('services still busy after 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('every PHP file of the extension parses (php -l)', { skip }, () => {
  const files = phpFiles();
  assert.ok(files.length >= 5, `found only ${files.length} PHP files`);
  for (const file of files) assert.equal(lintError(file), undefined, file);
});

test('every request is one the OpenAPI document accepts, with a short timeout and the bearer token', { skip }, () => {
  assert.ok(run.requests.length >= 15, `the harness recorded ${run.requests.length} requests`);
  for (const request of run.requests) {
    const url = new URL(request.url);
    assert.equal(url.origin, 'http://provisiond.test:8080', `${target(request)}: the configured URL, trailing slash trimmed`);
    const body = request.body ?? undefined;
    assert.deepEqual(document.requestIssues({ method: request.method, url: `${url.pathname}${url.search}`, headers: request.headers, body }), [], target(request));
    assert.ok(request.timeout !== null && request.timeout <= 10, `${target(request)}: timeout ${String(request.timeout)}`);
    assert.ok(request.connect_timeout !== null && request.connect_timeout <= 3, `${target(request)}: connect timeout ${String(request.connect_timeout)}`);
    if (request.method === 'POST') {
      assert.match(request.headers['Idempotency-Key'] ?? '', /^paymenter-\d+-(create|suspend|unsuspend|delete|upgrade)-[0-9a-f]{16}$/, target(request));
    }
  }
});

test('every scripted answer is one the document describes', { skip }, () => {
  for (const request of run.requests) {
    if (typeof request.outcome === 'string') continue;
    const { status, body } = request.outcome;
    assert.deepEqual(document.responseIssues(request.method, pathOf(request), status, body), [], target(request));
  }
});

test('a real app answers each request as the script assumed, in the documented shapes', { skip }, async () => {
  for (const request of run.requests) {
    await quiet();
    const url = new URL(request.url);
    const response = await harness.app.inject({
      method: request.method as 'GET' | 'POST',
      url: `${url.pathname}${url.search}`,
      headers: request.headers,
      ...(request.body === null ? {} : { payload: JSON.stringify(request.body) }),
    });
    const scripted = request.outcome;
    // A definitive scripted answer must be the real one; a connection failure or a passing
    // refusal (429, 5xx) cannot be reproduced, and the request behind it must simply succeed.
    if (typeof scripted !== 'string' && scripted.status < 500 && scripted.status !== 429) {
      assert.equal(response.statusCode, scripted.status, `${target(request)}: ${response.body}`);
      const code = (scripted.body as { error?: { code?: string } } | undefined)?.error?.code;
      if (code !== undefined) assert.equal((response.json() as { error: { code: string } }).error.code, code, target(request));
    } else {
      assert.ok(response.statusCode < 400, `${target(request)}: ${response.statusCode} ${response.body}`);
    }
    assert.deepEqual(document.responseIssues(request.method, url.pathname, response.statusCode, response.json()), [], target(request));
  }
});

test('a command whose answer is lost is sent again with the same key; separate calls use separate keys', { skip }, () => {
  const lost = run.requests.filter((request) => request.scenario === 'createServer whose first answer is lost' && request.method === 'POST');
  assert.equal(lost.length, 2);
  assert.equal(lost[0]?.headers['Idempotency-Key'], lost[1]?.headers['Idempotency-Key']);
  assert.deepEqual(run.ends.get('createServer whose first answer is lost')?.slept, [1]);
  const keysByScenario = new Map<string, Set<string>>();
  for (const request of run.requests.filter((entry) => entry.method === 'POST')) {
    const keys = keysByScenario.get(request.scenario) ?? new Set<string>();
    keys.add(request.headers['Idempotency-Key'] ?? '');
    keysByScenario.set(request.scenario, keys);
  }
  const all = [...keysByScenario.values()].flatMap((keys) => [...keys]);
  assert.ok([...keysByScenario.values()].every((keys) => keys.size === 1), 'one key per call');
  assert.equal(new Set(all).size, all.length, 'no key shared by two calls');
});

test('each call ends within Paymenter’s job limit, even when every try times out', { skip }, () => {
  for (const [scenario, end] of run.ends) {
    const requests = run.requests.filter((request) => request.scenario === scenario);
    const worst = requests.reduce((sum, request) => sum + (request.timeout ?? JOB_LIMIT_S), 0) + end.slept.reduce((a, b) => a + b, 0);
    assert.ok(worst <= JOB_LIMIT_S / 2, `${scenario}: up to ${worst} s`);
    assert.equal(end.unused_answers, 0, `${scenario}: the script had answers left over`);
  }
  const unreachable = run.ends.get('unsuspendServer while provisiond is unreachable');
  assert.equal(unreachable?.kind, 'exception');
  assert.equal(unreachable.error_code, 'UNREACHABLE');
  assert.deepEqual(run.ends.get('suspendServer while provisiond is busy')?.slept, [1, 5], 'Retry-After 30 is capped at 5 s');
});

test('what each method returns to Paymenter', { skip }, () => {
  const value = (scenario: string) => {
    const end = run.ends.get(scenario);
    assert.equal(end?.kind, 'result', `${scenario}: ${end?.message ?? 'no result'}`);
    return end.value;
  };
  assert.equal(value('testConfig'), true);
  assert.match(String(value('testConfig with a wrong token')), /401 UNAUTHORIZED/);
  const config = value('getConfig') as { name: string; type: string; encrypted?: boolean }[];
  assert.deepEqual(config.map((field) => field.name), ['url', 'token', 'public_ip']);
  assert.deepEqual(config.find((field) => field.name === 'token'), { ...config[1], type: 'password', encrypted: true });
  assert.deepEqual((value('getProductConfig') as { name: string }[]).map((field) => field.name), ['plan']);
  assert.deepEqual(value('createServer'), {
    returned: { subdomain: 'customer', state: 'allocating', site_url: 'https://customer.sandbox.test', setup_url: 'https://customer.sandbox.test/wp-admin/install.php' },
    stored: { provisiond_site: { name: 'Site', value: 'customer.sandbox.test' } },
  });
  const texts = (scenario: string) => Object.fromEntries((value(scenario) as { label: string; text?: string }[]).map((item) => [item.label, item.text]));
  assert.deepEqual(texts('getActions'), { Site: 'customer.sandbox.test', State: 'Online', Progress: 'Done', 'Open site': undefined, 'WordPress admin': undefined });
  assert.equal(texts('getActions while the site is built').Progress, 'Working on site › install, dns (retrying after a passing error)');
  assert.match(String(texts('getActions while provisiond is down')['Site status']), /not available/i);
  assert.deepEqual(value('terminateServer of a site provisiond never had'), { state: 'deleted' });
  const unknownPlan = run.ends.get('createServer with an unknown plan');
  assert.equal(unknownPlan?.error_code, 'UNKNOWN_PLAN', 'a refusal fails the job with provisiond’s message');
});
