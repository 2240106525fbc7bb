import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { INSTALLER_PATH, hasMarker } from '../../src/effects/ssh/installer-script.js';
import { pctExec, pctExecWithEnv } from '../../src/effects/ssh/pct-command.js';
import { failureOf, startHarness, type Harness } from './ssh-harness.js';

const signal = (): AbortSignal => new AbortController().signal;
const scratch = mkdtempSync(join(tmpdir(), 'provisiond-ssh-quoting-'));
const canary = join(scratch, 'pwned');
const SCRIPT = fileURLToPath(INSTALLER_PATH);
/** Absolute, since the script runs with a PATH that holds no programs. */
const BASH = spawnSync('bash', ['-c', 'command -v bash'], { encoding: 'utf8' }).stdout.trim();

/** Strings a shell would love to run. Each would create the canary if it were ever evaluated. */
const NASTY = [
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `;touch ${canary}`,
  `x && touch ${canary}`,
  `x | touch ${canary}`,
  `x > ${canary}`,
  `'; touch ${canary}; '`,
  `"; touch ${canary}; "`,
  `"$(touch ${canary})"`,
  `it's $(touch ${canary})`,
  `a\ntouch ${canary}`,
  `\\'$(touch ${canary})\\'`,
  `$HOME ~ * ? [a] {a,b} !x #c`,
  `blog.example.com;rm -rf /`,
  `blog.example.com\n`,
  ``,
];

after(() => rmSync(scratch, { recursive: true, force: true }));

describe('no text from the outside is ever run as shell code', () => {
  let h: Harness;

  before(async () => {
    h = await startHarness();
    h.addContainer(970, 'node1');
  });
  after(() => h.close());

  it('quotes environment values so that the node\'s bash passes them to pct literally', () => {
    for (const value of NASTY) {
      const line = pctExecWithEnv(970, { V: value }, ['bash', '-s']);
      // The node's login shell, with `pct` standing in as a function that prints its argv.
      const ran = spawnSync('bash', ['-c', `pct() { printf '%s\\0' "$@"; }\n${line}`], { cwd: scratch, encoding: 'utf8' });
      assert.equal(ran.status, 0, ran.stderr);
      const argv = ran.stdout.split('\0').slice(0, -1);
      assert.deepEqual(argv.slice(0, 5), ['exec', '970', '--', 'env', '-i']);
      assert.ok(argv.includes(`V=${value}`), `literal value for ${JSON.stringify(value)}`);
      assert.deepEqual(argv.slice(-2), ['bash', '-s']);
      assert.equal(existsSync(canary), false, `executed: ${JSON.stringify(value)}`);
    }
  });

  it('delivers the values literally into the container through the simulator', async () => {
    const client = h.client();
    // shell-quote's own parser (the simulator's) keeps a backslash before a backquote inside
    // double quotes, which bash drops; the bash round trip above covers those strings.
    for (const value of NASTY.filter((v) => !(v.includes("'") && v.includes('`')))) {
      const result = await client.exec({ node: 'node1', command: pctExecWithEnv(970, { V: value }, ['env']), timeoutMs: 5_000, signal: signal(), what: 'env' });
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.includes(`\nV=${value}\n`), `literal value for ${JSON.stringify(value)}`);
    }
    assert.equal(existsSync(canary), false);
  });

  it('refuses a malformed fqdn or service id before any command reaches the node', async () => {
    const effects = h.effects(h.client());
    const callsBefore = h.ssh.nodeCounts().node1?.calls ?? 0;
    for (const fqdn of NASTY) {
      const install = await failureOf(effects.installWordPress({ serviceId: 'svc-1', vmid: 970, fqdn }, signal()));
      assert.deepEqual([install.code, install.retryable], ['INSTALL_FAILED', false], JSON.stringify(fqdn));
      const verify = await failureOf(effects.verifyInstall({ serviceId: 'svc-1', vmid: 970, fqdn }, signal()));
      assert.deepEqual([verify.code, verify.retryable], ['VERIFY_FAILED', false], JSON.stringify(fqdn));
    }
    for (const serviceId of NASTY) {
      const install = await failureOf(effects.installWordPress({ serviceId, vmid: 970, fqdn: 'ok.example.com' }, signal()));
      assert.deepEqual([install.code, install.retryable], ['INSTALL_FAILED', false], JSON.stringify(serviceId));
    }
    assert.equal(h.ssh.nodeCounts().node1?.calls ?? 0, callsBefore);
    assert.equal(existsSync(canary), false);
  });

  it('refuses a vmid that is not a Proxmox id', () => {
    for (const vmid of [99, 1.5, Number.NaN, 1e12]) assert.throws(() => pctExec(vmid, ['true']), { code: 'VALIDATION_FAILED' });
  });
});

describe('the installer script', () => {
  /** Run the real script with only its parameter check (VALIDATE_ONLY=1) and no programs on PATH. */
  const validate = (env: Record<string, string>) =>
    spawnSync(BASH, ['-s'], {
      input: readFileSync(SCRIPT),
      cwd: scratch,
      encoding: 'utf8',
      env: { PATH: join(scratch, 'no-programs'), VALIDATE_ONLY: '1', SITE_HOST: 'blog.example.com', SITE_URL: 'https://blog.example.com', ...env },
    });

  it('is valid bash and carries the marker the simulator looks for', () => {
    const checked = spawnSync('bash', ['-n', SCRIPT], { encoding: 'utf8' });
    assert.equal(checked.status, 0, checked.stderr);
    assert.ok(hasMarker(readFileSync(SCRIPT, 'utf8')));
  });

  it('accepts well-formed parameters', () => {
    const ran = validate({ PROVISIOND_SERVICE_ID: 'svc-1', PHP_VERSION: '8.3', WORDPRESS_URL: 'https://wordpress.org/wordpress-6.8.1.tar.gz' });
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, '==> step: parameters\nparameters are valid\n');
  });

  it('rejects every nasty parameter at the parameters step without running it', () => {
    for (const value of NASTY) {
      for (const name of ['SITE_HOST', 'SITE_URL', 'WORDPRESS_URL', 'PHP_VERSION', 'PROVISIOND_SERVICE_ID']) {
        if (value === '' && ['WORDPRESS_URL', 'PHP_VERSION', 'PROVISIOND_SERVICE_ID'].includes(name)) continue; // empty = default
        const ran = validate(name === 'SITE_HOST' ? { SITE_HOST: value, SITE_URL: `https://${value}` } : { [name]: value });
        assert.equal(ran.status, 2, `${name}=${JSON.stringify(value)}: ${ran.stderr}`);
        assert.match(ran.stderr, /!! failed at step: parameters\n$/);
        assert.equal(existsSync(canary), false, `executed: ${name}=${JSON.stringify(value)}`);
      }
    }
  });

  it('insists that SITE_URL is https://SITE_HOST', () => {
    for (const url of ['http://blog.example.com', 'https://other.example.com', 'https://blog.example.com/']) {
      assert.equal(validate({ SITE_URL: url }).status, 2, url);
    }
  });
});
