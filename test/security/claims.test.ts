/**
 * The README's security claims, each as a test that fails when the claim stops holding:
 * - the generated API token is written 0600 and never printed; the SQLite file, its -wal and
 *   -shm are 0600 — checked on the daemon as `npm start` runs it, under umask 000;
 * - the token comparison is constant time: SHA-256 digests of equal length go through
 *   crypto.timingSafeEqual (structure), and wrong tokens of every length are refused (behaviour);
 * - the composed daemon writes nothing but a 401 to an unauthenticated WebSocket upgrade, and
 *   answers an oversized body with 413;
 * - request logs through the daemon's own logger instance (the way src/main.ts wires it) carry
 *   no `?token=`.
 * Already covered elsewhere, so not repeated here: the database file and -wal modes through
 * openStore (test/persistence/database.test.ts), 401 on refused upgrades through a ws client
 * (test/server/feed.test.ts), 413 with buildApp's default and a configured limit
 * (test/server/validation.test.ts), `?token=` redaction with logger *options*
 * (test/server/http-auth.test.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { createTokenCheck } from '../../src/server/auth.js';
import { createHarness } from '../server/harness.js';
import { startDaemonUnderUmask, type UmaskDaemon } from './daemon-under-umask.js';

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/**
 * What the server writes to a raw upgrade request: everything until it closes the connection,
 * or — if it switches protocols — its response head, after which this side hangs up.
 */
function rawUpgrade(host: string, path: string): Promise<string> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname ?? '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server neither answered nor closed within 5 s; it wrote ${answer.length} bytes`));
    }, 5_000);
    socket.on('data', (chunk: Buffer) => {
      answer += chunk.toString('latin1');
      if (answer.startsWith('HTTP/1.1 101') && answer.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(
      [`GET ${path} HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'),
    );
  });
}

describe('the daemon as npm start runs it, without PROVISIOND_API_TOKEN, under umask 000', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-claims-'));
  const db = join(dir, 'data', 'provisiond.db');
  const tokenFile = join(dir, 'data', 'api-token');
  let daemon: UmaskDaemon;
  let token: string;

  before(async () => {
    daemon = await startDaemonUnderUmask({ PROVISIOND_DB: db, PROVISIOND_SANDBOX_SITE_PORT: String(20_000 + Math.floor(Math.random() * 20_000)) });
    token = readFileSync(tokenFile, 'utf8').trim();
  });
  after(async () => {
    await daemon?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the generated token to data/api-token, mode 0600, and never prints it', async () => {
    assert.equal(mode(tokenFile), '0600');
    assert.ok(token.length >= 32, 'a token of at least 32 characters');
    assert.ok(!daemon.output().includes(token), 'the token appears in the output');
    assert.ok(daemon.output().includes(tokenFile), 'the output says where the token is kept');
    const ok = await fetch(`http://${daemon.host}/v1/services`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200, 'the file holds the token in force');
    await ok.arrayBuffer();
  });

  it('creates the SQLite file and its -wal and -shm files mode 0600', () => {
    for (const path of [db, `${db}-wal`, `${db}-shm`]) {
      assert.ok(existsSync(path), `${path} exists`);
      assert.equal(mode(path), '0600', path);
    }
  });

  it('answers an unauthenticated WebSocket upgrade with a 401 and nothing else, then closes', async () => {
    for (const path of ['/v1/events', '/v1/events?token=wrong-token-of-some-length', '/v1/events?since=0&logs=true']) {
      const answer = await rawUpgrade(daemon.host, path);
      assert.ok(answer.startsWith('HTTP/1.1 401 '), `${path}: ${answer.split('\r\n')[0]}`);
      assert.ok(!/^HTTP\/1\.1 101/m.test(answer), `${path}: no 101 anywhere`);
      assert.ok(!/^Sec-WebSocket-Accept:/im.test(answer), `${path}: no handshake accepted`);
      assert.equal(answer.match(/^HTTP\/1\.1 /gm)?.length, 1, `${path}: one response only`);
    }
    const accepted = await rawUpgrade(daemon.host, `/v1/events?token=${token}`);
    assert.ok(accepted.startsWith('HTTP/1.1 101 '), 'the same upgrade with the token is accepted: the 401s were about the token');
  });

  it('answers a body over the default 16 KiB limit with 413', async () => {
    const body = JSON.stringify({ service_id: 'big', email: 'big@example.com', plan: 'basic', public_ip: '203.0.113.10', padding: 'x'.repeat(17 * 1024) });
    const response = await fetch(`http://${daemon.host}/create-site`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'PAYLOAD_TOO_LARGE');
  });
});

describe('the API token comparison', () => {
  const source = readFileSync(new URL('../../src/server/auth.ts', import.meta.url), 'utf8');
  const checkBody = /export function createTokenCheck\([^)]*\)[^{]*\{([\s\S]*?)\n\}/.exec(source)?.[1] ?? '';

  it('compares SHA-256 digests, which are always of equal length, with crypto.timingSafeEqual', () => {
    assert.match(source, /import \{[^}]*\btimingSafeEqual\b[^}]*\} from 'node:crypto';/);
    assert.match(source, /function digest\(\w+: string\): Buffer \{\s*return createHash\('sha256'\)\.update\(\w+, 'utf8'\)\.digest\(\);\s*\}/);
    assert.ok(checkBody !== '', 'createTokenCheck is found in src/server/auth.ts');
    assert.match(checkBody, /const expected = digest\(apiToken\);/);
    assert.match(checkBody, /timingSafeEqual\(digest\(candidate\), expected\)/);
  });

  it('never compares the token itself: no ===, ==, equals, localeCompare or startsWith on it', () => {
    // Presence checks (`!== undefined`, `=== ''`) say nothing about the value; drop them first.
    const rest = checkBody.replace(/\s*(===|!==)\s*(undefined\b|'')/g, '');
    const comparisons = rest.match(/(candidate|apiToken|expected)\s*(===|!==|==|!=)|(===|!==|==|!=)\s*(candidate|apiToken|expected)\b|\.(equals|localeCompare|startsWith|endsWith|includes)\(/g);
    assert.deepEqual(comparisons, null);
  });

  it('refuses wrong tokens of every length, near misses included, without throwing', () => {
    const token = 'claims-test-token-0123456789abcdef';
    const check = createTokenCheck(token);
    assert.equal(check(token), true);
    const wrong = new Set<string>();
    for (let length = 1; length <= 2 * token.length + 8; length++) {
      wrong.add('x'.repeat(length));
      wrong.add('é'.repeat(length));
      wrong.add(token.slice(0, length));
      wrong.add(`${token}${'y'.repeat(length)}`);
    }
    for (let i = 0; i < token.length; i++) wrong.add(`${token.slice(0, i)}${token[i] === 'Z' ? 'z' : 'Z'}${token.slice(i + 1)}`);
    wrong.delete(token);
    for (const candidate of [...wrong, '', undefined]) {
      assert.equal(check(candidate), false, `a ${candidate?.length ?? 'missing'}-character wrong token was accepted`);
    }
  });
});

describe("request logs through the daemon's logger instance", () => {
  it('carry no ?token=, however the parameter name is spelled', async (t) => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const secret = 'instance-logger-query-token-0123456789';
    // The composition root's way: an instance from src/log.ts, not logger options.
    const h = createHarness({ app: { logger: createLogger({ level: 'trace', destination }) } });
    t.after(() => h.close());
    for (const url of [`/v1/events?token=${secret}`, `/v1/services?since=0&token=${secret}&x=1`, `/v1/services?%74oken=${secret}`, `/nowhere?TOKEN=${secret}`]) {
      await h.app.inject({ method: 'GET', url });
    }
    assert.ok(text.includes('"msg":"request completed"'), 'requests were logged');
    assert.ok(text.includes('token=[redacted]'), 'the parameter is still shown, censored');
    assert.ok(text.includes('x=1'), 'other parameters are kept');
    assert.ok(!text.includes(secret), 'a query token reached the log');
  });
});
