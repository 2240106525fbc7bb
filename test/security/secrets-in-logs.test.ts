/**
 * No secret in any log line. The daemon runs as its own process through a site's whole life
 * (create → active → custom domain → suspend → unsuspend → reinstall → plan change → delete,
 * plus refused requests and an upstream auth failure), and everything it and the sandbox print,
 * every service log line and every feed message is searched for every configured secret and
 * every password generated inside a container, in each encoding a log could carry. Twice: at
 * LOG_LEVEL=trace against the standalone sandbox process, and in REAL MODE (configuration
 * file, secrets in the environment, key in a file) at the default level.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { runLifecycle, type LifecycleCapture } from './lifecycle-run.js';
import { configuredSecrets, startRealMode, startStandalone, type LoggedStack } from './logged-stacks.js';
import { countLines, describeHits, findSecrets, needlesOf, sessionTokenHits } from './secret-search.js';

function searchEverything(t: TestContext, stack: LoggedStack, capture: LifecycleCapture | undefined, mode: string): void {
  assert.ok(capture !== undefined, 'the lifecycle did not finish, so there is nothing complete to search');
  const sources = [...stack.outputs(), ...capture.sources];
  const secrets = [...configuredSecrets(stack.connection), ...capture.generated];
  const hits = findSecrets(sources, secrets);
  const sessions = sessionTokenHits(sources);
  const forms = secrets.reduce((n, secret) => n + needlesOf(secret).length, 0);
  t.diagnostic(`${mode}: secrets found in logs: ${hits.length + sessions.length}`);
  t.diagnostic(`${mode}: ${countLines(sources)} lines searched in ${sources.length} sources for ${secrets.length} secrets in ${forms} encoded forms`);
  t.diagnostic(`${mode}: ${sources.map((s) => `${s.name} ${countLines([s])}`).join(', ')}`);
  assert.equal(hits.length + sessions.length, 0, `secrets in the output:\n${[describeHits(hits), ...sessions].filter((l) => l !== '').join('\n')}`);
}

/** The capture must have seen each kind of output, or "0 found" would prove nothing. */
function assertCaptured(stack: LoggedStack, capture: LifecycleCapture): void {
  // assert.ok, not assert.match: a failed match would print the whole output, secrets and all.
  const daemon = stack.outputs().find((s) => s.name === 'daemon stdout')?.text ?? '';
  assert.ok(daemon.includes('"msg":"provisiond is listening"'), 'the start was logged');
  assert.ok(daemon.includes('"statusCode":401'), 'the refused requests were logged');
  assert.ok(daemon.includes('"msg":"shutting down'), 'the shutdown was logged');
  assert.ok(capture.seen.feedTransitions > 20, `feed transitions: ${capture.seen.feedTransitions}`);
  assert.ok(capture.seen.feedLogLines > 20, `feed log lines: ${capture.seen.feedLogLines}`);
  assert.ok(capture.seen.serviceLogLines > 20, `service log lines: ${capture.seen.serviceLogLines}`);
  assert.ok(capture.seen.replayed >= capture.seen.feedTransitions, 'the replay had every transition');
  assert.ok(capture.generated.some((s) => s.label.includes('DB_PASSWORD') && s.label.includes('reinstall')), 'the reinstall password was read');
}

describe('no secret in any log line: standalone sandbox, LOG_LEVEL=trace', () => {
  let stack: LoggedStack;
  let capture: LifecycleCapture | undefined;
  before(async () => {
    stack = await startStandalone('trace');
  });
  after(async () => {
    await stack?.stop();
  });

  it('runs a site through its whole life, with refused requests and an upstream auth failure', async () => {
    capture = await runLifecycle(stack, 'trace', { domain: { state: 'active', code: null } });
    await stack.stopDaemon();
    assertCaptured(stack, capture);
  });

  it('finds no secret in what the daemon and the sandbox printed, the service logs or the feed', (t) => {
    searchEverything(t, stack, capture, 'standalone/trace');
  });
});

describe('no secret in any log line: REAL MODE, default log level', () => {
  let stack: LoggedStack;
  let capture: LifecycleCapture | undefined;
  before(async () => {
    stack = await startRealMode('info');
  });
  after(async () => {
    await stack?.stop();
  });

  it('runs a site through its whole life, with refused requests and an upstream auth failure', async () => {
    capture = await runLifecycle(stack, 'real', { domain: { state: 'failed', code: 'UPSTREAM_REJECTED' } });
    await stack.stopDaemon();
    assertCaptured(stack, capture);
  });

  it('finds no secret in what the daemon printed, the service logs or the feed', (t) => {
    searchEverything(t, stack, capture, 'real/info');
  });
});
