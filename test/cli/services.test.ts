/**
 * The services commands as processes against a listening daemon app (the in-process harness:
 * real registry, SQLite and HTTP on 127.0.0.1, effects that succeed at once). The token always
 * travels in the environment or the daemon's token file, never on the command line.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createHarness, siteBody, TOKEN, type Harness } from '../server/harness.js';
import { closedPort, runProvisiond, startProvisiond } from './support.js';

/** Column start of each header title, and the row cells at the same offsets. */
function columns(table: string): { header: string; rows: Record<string, string>[] } {
  const [header = '', ...lines] = table.trimEnd().split('\n');
  const titles = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ title: m[0], at: m.index }));
  const rows = lines.map((line) =>
    Object.fromEntries(titles.map(({ title, at }, i) => [title, line.slice(at, titles[i + 1]?.at ?? line.length).trim()])),
  );
  return { header, rows };
}

describe('provisiond services, suspend, delete against a running daemon', () => {
  let h: Harness;
  let env: Record<string, string>;
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-cli-services-'));

  before(async () => {
    h = createHarness();
    env = { PROVISIOND_URL: `http://${await h.listen()}`, PROVISIOND_API_TOKEN: TOKEN, PROVISIOND_DB: join(dir, 'unused.db') };
    for (const id of ['cli-1', 'cli-2', 'cli-3', 'cli-4']) {
      assert.equal((await h.call({ method: 'POST', url: '/create-site', payload: siteBody(id) })).statusCode, 201);
      await h.settled(id, 'active');
    }
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('services ls prints every service in aligned columns, show prints one; --json is the API\'s own reply', async () => {
    const [text, json, shown, shownJson] = await Promise.all([
      runProvisiond(['services', 'ls'], env),
      runProvisiond(['services', 'ls', '--json'], env),
      runProvisiond(['services', 'show', 'cli-1'], env),
      runProvisiond(['services', 'show', 'cli-1', '--json'], env),
    ]);
    assert.equal(text.code, 0, text.stderr);
    const { header, rows } = columns(text.stdout.slice(0, text.stdout.lastIndexOf('4 services')));
    assert.match(header, /^SERVICE {2,}STATE {2,}STEP {2,}PLAN {2,}VMID {2,}PRIVATE IP {2,}FQDN {2,}UPDATED \(UTC\)$/);
    assert.deepEqual(rows.map((row) => [row.SERVICE, row.STATE, row.PLAN]), ['cli-1', 'cli-2', 'cli-3', 'cli-4'].map((id) => [id, 'active', 'basic']));
    for (const row of rows) assert.equal(row.FQDN, `${h.stack.registry.get(row.SERVICE ?? '')?.subdomain}.sites.test`);
    assert.equal(json.code, 0, json.stderr);
    const list = (await h.call({ method: 'GET', url: '/v1/services' })).json() as { services: unknown[] };
    assert.deepEqual(JSON.parse(json.stdout), { services: list.services });

    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^service +cli-1$/m);
    assert.match(shown.stdout, /^state +active; desired running$/m);
    assert.match(shown.stdout, /^SEQ +AT \(UTC\) +EVENT +STATE/m);
    assert.equal(shownJson.code, 0, shownJson.stderr);
    const one = (await h.call({ method: 'GET', url: '/v1/services/cli-1' })).json() as Record<string, unknown>;
    assert.deepEqual(JSON.parse(shownJson.stdout), one);
  });

  it('suspend is carried out by the daemon, and ls --state lists the suspended service', async () => {
    const run = await runProvisiond(['suspend', 'cli-3'], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^suspend accepted: service cli-3 is \S+$/m);
    await h.settled('cli-3', 'suspended');
    const listed = await runProvisiond(['services', 'ls', '--state', 'suspended'], env);
    assert.deepEqual(columns(listed.stdout.split('\n').slice(0, -2).join('\n')).rows.map((row) => row.SERVICE), ['cli-3']);
  });

  it('delete refuses without --yes when nobody can confirm, deletes with --yes; then commands are refused with CODE: message, exit 1', async () => {
    const refused = await runProvisiond(['delete', 'cli-4'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /without --yes: stdin is not a terminal/);
    assert.equal(h.stack.registry.get('cli-4')?.state, 'active', 'nothing was sent');
    const done = await runProvisiond(['delete', 'cli-4', '--yes', '--json'], env);
    assert.equal(done.code, 0, done.stderr);
    assert.equal((JSON.parse(done.stdout) as { service_id: string }).service_id, 'cli-4');
    await h.settled('cli-4', 'deleted');
    const gone = await runProvisiond(['suspend', 'cli-4'], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^provisiond: SERVICE_DELETED: /m);
    assert.equal(gone.stdout, '');
  });

  it('the token comes from PROVISIOND_API_TOKEN or the api-token file beside PROVISIOND_DB; refusals name its source, never the token', async () => {
    const good = mkdtempSync(join(dir, 'daemon-'));
    const bad = mkdtempSync(join(dir, 'daemon-'));
    const wrong = 'a-wrong-token-of-enough-length';
    writeFileSync(join(good, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(bad, 'api-token'), `${wrong}\n`, { mode: 0o600 });
    const url = env.PROVISIOND_URL ?? '';
    const stopped = `http://127.0.0.1:${await closedPort()}`;
    const [ok, refused, none, missing, unreachable] = await Promise.all([
      runProvisiond(['services', 'show', 'cli-2', '--json'], { PROVISIOND_URL: url, PROVISIOND_DB: join(good, 'provisiond.db') }),
      runProvisiond(['services', 'ls'], { PROVISIOND_URL: url, PROVISIOND_DB: join(bad, 'provisiond.db') }),
      runProvisiond(['services', 'ls'], { PROVISIOND_URL: url, PROVISIOND_DB: join(dir, 'nowhere', 'provisiond.db') }),
      runProvisiond(['services', 'show', 'nope'], env),
      runProvisiond(['services', 'ls'], { ...env, PROVISIOND_URL: stopped }),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { service: { service_id: string } }).service.service_id, 'cli-2');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /UNAUTHORIZED: .*\(the token from .*api-token\)/);
    assert.doesNotMatch(refused.stderr + refused.stdout, new RegExp(wrong));
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no API token: set PROVISIOND_API_TOKEN/);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^provisiond: NOT_FOUND: no service nope$/m);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, new RegExp(`cannot reach the daemon at ${stopped} \\(ECONNREFUSED\\)`));
  });

  it('services events replays a service\'s transitions as lines and stops on Ctrl-C with 0', async () => {
    const events = startProvisiond(['services', 'events', '--since', '0', '--service', 'cli-1'], env);
    try {
      await events.waitForOutput(/ cli-1 {2}\S+ → active$/m);
      assert.doesNotMatch(events.stdout(), /cli-2/);
      events.child.kill('SIGINT');
      assert.equal(await events.exited(), 0, events.stderr());
      assert.match(events.stderr(), /following http:\/\/127\.0\.0\.1:\d+ for service cli-1/);
    } finally {
      events.child.kill('SIGKILL');
    }
  });
});
