/**
 * Whatever builds a command line for a Proxmox node never lets input reach a shell unquoted.
 * For arbitrary arguments, environment values, vmids, host names and service ids (shell
 * metacharacters, quotes, newlines, NUL, IDN, `$()`, backticks, `../`), each produced line is
 * read back by shell-quote's parser (only plain words: no operator, glob, comment or `$`
 * expansion) and run by bash (with `set -u` and `failglob`) and dash, where every argument
 * must arrive exactly as given and nothing else may happen (the scratch directory stays empty).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { quote } from 'shell-quote';
import { isAppError } from '../../src/errors.js';
import { pctExec, pctExecWithEnv } from '../../src/effects/ssh/pct-command.js';
import type { ExecRequest, SshClient } from '../../src/effects/ssh/ssh-client.js';
import { createSshEffects } from '../../src/effects/ssh/ssh.effects.js';
import { fuzzParameters } from './fuzz-runs.js';
import { hostileString, wellFormed } from './hostile-strings.js';
import { parseWords, runInShell } from './shell-words.js';

const scratch = mkdtempSync(join(tmpdir(), 'provisiond-fuzz-ssh-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Text a shell would love to run, or that trips quoting: mixed with arbitrary unicode. */
const SHELLISH = [
  '$(touch pwned)', '`touch pwned`', '${IFS}', '$HOME', '$1', '$@', '$$', '$?', '$((1+1))', "$'\\x41'", ';', '&&', '||', '|', '&', '>', '<', '>>', '2>&1', '<(x)', '>(x)',
  "'", '"', "\\'", '\\"', '\\', '\\\\', '\n', '\r', '\t', ' ', '#', 'x#y', '*', '?', '[a]', '{a,b}', '~', '~root', '!', '!!', '^', '=', 'a=b', '%', '-', '--', '../', '../../etc/passwd',
  'é', 'ß', 'ドメイン', 'xn--bcher-kva', '\u202e', '\u200b', '\u00a0', '\u2028', '😀', '\ud800',
];
const shellish = fc.array(fc.oneof(fc.constantFrom(...SHELLISH), fc.string({ unit: 'grapheme-ascii', maxLength: 4 })), { maxLength: 8 }).map((parts) => parts.join(''));
/** Any text but NUL (see the NUL property below). */
const argument = fc.oneof(shellish, hostileString(40, false), fc.string({ unit: 'binary', maxLength: 30 })).map((text) => text.replace(/\0/g, ''));

const vmid = fc.integer({ min: 100, max: 999_999_999 });

/** shell-quote reads the line as plain words only (no operator, glob, comment or expansion). */
function assertPlainWords(line: string): string[] {
  const parsed = parseWords(line);
  assert.ok(parsed.ok, `line ${JSON.stringify(line)}: ${parsed.ok ? '' : parsed.why}`);
  return parsed.words;
}

/** The line must mean exactly `expected` to shell-quote, bash and dash, and do nothing else. */
function assertRoundTrip(line: string, expected: readonly string[]): void {
  const what = `line ${JSON.stringify(line)}`;
  const parsed = { words: assertPlainWords(line) };
  // shell-quote's parser keeps a backslash before a backquote inside double quotes, where bash
  // drops it (test/effects/ssh-quoting.test.ts notes the same); the shells below are the judges.
  const parserView = (word: string) => (quote([word]).startsWith('"') ? word.replace(/`/g, '\\`') : word);
  assert.deepEqual(parsed.words, expected.map(parserView), what);
  // What goes over SSH is UTF-8: a lone surrogate arrives as U+FFFD, whatever the quoting.
  const transmitted = expected.map(wellFormed);
  for (const shell of ['bash', 'dash'] as const) {
    const ran = runInShell(shell, line, scratch);
    assert.equal(ran.status, 0, `${what} in ${shell}: ${ran.stderr}`);
    assert.deepEqual(ran.argv, transmitted.slice(1), `${what} in ${shell}`);
  }
  assert.deepEqual(readdirSync(scratch), [], `${what}: something ran`);
}

test('pct exec: every argument reaches pct as one literal word', () => {
  fc.assert(
    fc.property(vmid, fc.array(argument, { maxLength: 6 }), (id, argv) => {
      assertRoundTrip(pctExec(id, argv), ['pct', 'exec', String(id), '--', ...argv]);
    }),
    fuzzParameters(150),
  );
});

test('pct exec with an environment: names are checked, values arrive literally as NAME=value words', () => {
  const name = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,15}$/) }, { weight: 1, arbitrary: hostileString(12, false) });
  const value = fc.oneof({ weight: 6, arbitrary: argument }, { weight: 1, arbitrary: argument.map((text) => `${text}\0${text}`) });
  fc.assert(
    fc.property(vmid, fc.array(fc.tuple(name, value), { maxLength: 4 }), fc.array(argument, { maxLength: 3 }), (id, pairs, argv) => {
      const env = Object.fromEntries(pairs);
      const entries = Object.entries({ PATH: '', HOME: '', LANG: '', ...env });
      const refused = entries.some(([key, text]) => !/^[A-Z_][A-Z0-9_]*$/.test(key) || text.includes('\0'));
      let line: string;
      try {
        line = pctExecWithEnv(id, env, argv);
      } catch (error) {
        assert.ok(refused, `refused a valid environment ${JSON.stringify(env)}: ${String(error)}`);
        assert.ok(isAppError(error) && error.code === 'VALIDATION_FAILED', String(error));
        return;
      }
      assert.ok(!refused, `accepted ${JSON.stringify(env)}`);
      // The caller's values win over the base environment, each one a single NAME=value word.
      const expected = ['pct', 'exec', String(id), '--', 'env', '-i', ...Object.entries({ PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', ...env }).map(([key, text]) => `${key}=${text}`), ...argv];
      assertRoundTrip(line, expected);
    }),
    fuzzParameters(120),
  );
});

test('a vmid that is not a Proxmox id never reaches a command line', () => {
  const bad = fc.oneof(fc.integer({ max: 99 }), fc.integer({ min: 1_000_000_000 }), fc.double({ noInteger: true }), fc.constantFrom(Number.NaN, Infinity, -Infinity, 2 ** 53));
  fc.assert(
    fc.property(bad, (id) => {
      assert.throws(() => pctExec(id, ['true']), (error: unknown) => isAppError(error) && error.code === 'VALIDATION_FAILED');
    }),
    fuzzParameters(200),
  );
});

/** An SSH client that records each command and answers as a healthy container would. */
function recordingClient(commands: string[]): SshClient {
  return {
    async exec(request: ExecRequest) {
      commands.push(request.command);
      const stdout = request.command.includes(' echo ready') ? 'ready\n' : request.command.includes('curl') ? '200' : '';
      return { code: 0, stdout, stderr: '' };
    },
    queue: () => ({}),
    close: () => undefined,
  };
}

test('the SSH effects: a hostile host name, service id or setting is refused before any command, or quoted', async () => {
  const host = fc.oneof(fc.domain(), argument, fc.constantFrom('blog.example.com', 'BLOG.Example.COM', 'blog.example.com;rm -rf /', 'b\u00fccher.example', 'a.b\n', '../x.com', 'x.com$(id)'));
  const serviceId = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/), argument);
  const setting = fc.option(argument, { nil: undefined });
  await fc.assert(
    fc.asyncProperty(host, serviceId, vmid, setting, setting, async (fqdn, id, ct, wordpressUrl, phpVersion) => {
      const commands: string[] = [];
      const effects = createSshEffects({
        client: recordingClient(commands),
        resolveNode: async () => 'node1',
        installerScript: '# provisiond:wordpress-installer\n',
        ...(wordpressUrl === undefined ? {} : { wordpressUrl }),
        ...(phpVersion === undefined ? {} : { phpVersion }),
      });
      const signal = new AbortController().signal;
      const ref = { serviceId: id, vmid: ct, fqdn };
      const outcomes = await Promise.allSettled([effects.awaitReady(ref, signal), effects.installWordPress(ref, signal), effects.verifyInstall(ref, signal)]);
      const validHost = fqdn.length <= 253 && /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(fqdn.toLowerCase()) && /[a-z]/.test(fqdn.toLowerCase());
      const validId = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(id);
      assert.equal(outcomes[1].status === 'fulfilled', validHost && validId, `install of ${JSON.stringify(fqdn)} / ${JSON.stringify(id)}`);
      assert.equal(outcomes[2].status === 'fulfilled', validHost, `verify of ${JSON.stringify(fqdn)}`);
      // Readiness plus, for each effect that accepted its input, its commands (install 1, verify 2).
      assert.equal(commands.length, 1 + (validHost && validId ? 1 : 0) + (validHost ? 2 : 0));
      const host = fqdn.toLowerCase();
      const argvs = commands.map((line) => {
        assertPlainWords(line);
        const ran = runInShell('bash', line, scratch);
        assert.equal(ran.status, 0, `${JSON.stringify(line)}: ${ran.stderr}`);
        return ran.argv;
      });
      assert.deepEqual(readdirSync(scratch), [], 'something ran');
      const [ready, ...rest] = argvs;
      assert.deepEqual(ready, ['exec', String(ct), '--', 'echo', 'ready']);
      if (validHost && validId) {
        const install = rest.shift() ?? [];
        assert.deepEqual([...install.slice(0, 5), ...install.slice(-2)], ['exec', String(ct), '--', 'env', '-i', 'bash', '-s']);
        const assignments = new Set(install.slice(5, -2));
        for (const word of [`SITE_HOST=${host}`, `SITE_URL=https://${host}`, `PROVISIOND_SERVICE_ID=${id}`, 'INSTALL_MODE=install']) assert.ok(assignments.has(word), `${word} in ${JSON.stringify(install)}`);
        if (wordpressUrl !== undefined) assert.ok(assignments.has(`WORDPRESS_URL=${wellFormed(wordpressUrl)}`), JSON.stringify(install));
        if (phpVersion !== undefined) assert.ok(assignments.has(`PHP_VERSION=${wellFormed(phpVersion)}`), JSON.stringify(install));
      }
      if (validHost) {
        assert.deepEqual(rest[0], ['exec', String(ct), '--', 'test', '-f', '/var/www/html/wp-config.php']);
        assert.ok(rest[1]?.includes(`Host: ${host}`), JSON.stringify(rest[1]));
      }
    }),
    fuzzParameters(80),
  );
});

test('NUL in an environment value is refused (it cannot be passed to a program)', () => {
  assert.throws(() => pctExecWithEnv(100, { V: 'a\0b' }, ['true']), (error: unknown) => isAppError(error) && error.code === 'VALIDATION_FAILED');
});
