/**
 * One list of environment variables, kept honest: ENVIRONMENT_KEYS is exactly what loadConfig
 * reads (recorded while it runs, on the path that reads the most: real infrastructure), and
 * both deploy/provisiond.env.example and the table in docs/operations.md list exactly those.
 * Plus the validation of the keys this issue added.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ENVIRONMENT_KEYS, loadConfig } from '../../src/config.js';
import { invalidKey } from '../config/invalid-key.js';

const REAL_FILE = JSON.stringify({
  infrastructure: {
    proxmox: { url: 'https://pve1.example.net:8006/api2/json', tokenId: 'provisiond@pve!daemon', nodes: ['node1'], template: 'local:vztmpl/t.tar.zst', storage: 'drbd', bridge: 'vmbr1', gateway: '127.42.0.1', cidr: 24 },
    cloudflare: { zoneId: '0123456789abcdef0123456789abcdef' },
    npm: { url: 'https://npm.example.net/api', email: 'ops@example.net', proxyUrl: 'http://203.0.113.10' },
    ispconfig: { url: 'https://panel.example.net:8080/remote/json.php', username: 'provisiond', serverId: 1, clientId: 0, ns: ['ns1.example.net'], mbox: 'hostmaster.example.net.' },
    dns: { resolvers: ['127.0.0.53:53'] },
    ssh: { privateKeyFile: '/etc/provisiond/id_ed25519', nodes: { node1: { host: 'pve1.example.net', hostKeySha256: `SHA256:${'A'.repeat(43)}` } } },
  },
});

/** Every key loadConfig asks the environment for; secrets answer with a value so the real path runs to its end. */
function keysRead(): Set<string> {
  const read = new Set<string>();
  const given: Record<string, string> = { PROVISIOND_CONFIG: '/etc/provisiond/config.json' };
  const env = new Proxy(given, {
    get(target, key) {
      if (typeof key !== 'string') return undefined;
      read.add(key);
      if (key in target) return target[key];
      return /PASSWORD|SECRET|API_TOKEN$/.test(key) && key !== 'PROVISIOND_API_TOKEN' ? `${key.toLowerCase()}-value` : undefined;
    },
  });
  const config = loadConfig(env as NodeJS.ProcessEnv, () => REAL_FILE);
  assert.ok(config.infrastructure !== undefined, 'the real-infrastructure path ran');
  return read;
}

/** KEY of every `KEY=value` line, commented out or not. */
function exampleKeys(): string[] {
  const text = readFileSync('deploy/provisiond.env.example', 'utf8');
  return [...text.matchAll(/^#?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1] as string);
}

/** The first column of the table under "## Configure" in docs/operations.md. */
function documentedKeys(): string[] {
  const text = readFileSync('docs/operations.md', 'utf8');
  const section = text.slice(text.indexOf('## Configure'), text.indexOf('\n## ', text.indexOf('## Configure') + 1));
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1] as string);
}

const sorted = (keys: Iterable<string>) => [...keys].sort();

describe('the environment variables', () => {
  it('ENVIRONMENT_KEYS is exactly what loadConfig reads', () => {
    assert.deepEqual(sorted(keysRead()), sorted(ENVIRONMENT_KEYS));
    assert.equal(new Set(ENVIRONMENT_KEYS).size, ENVIRONMENT_KEYS.length, 'no duplicates');
  });

  it('deploy/provisiond.env.example lists each of them once', () => {
    const keys = exampleKeys();
    assert.deepEqual(sorted(keys), sorted(ENVIRONMENT_KEYS));
  });

  it('docs/operations.md explains each of them once', () => {
    assert.deepEqual(sorted(documentedKeys()), sorted(ENVIRONMENT_KEYS));
  });

  it('the example holds placeholders for secrets, and a daemon started with one is refused', () => {
    const text = readFileSync('deploy/provisiond.env.example', 'utf8');
    const secrets = ['PROVISIOND_API_TOKEN', 'PROVISIOND_PROXMOX_TOKEN_SECRET', 'PROVISIOND_CLOUDFLARE_API_TOKEN', 'PROVISIOND_NPM_PASSWORD', 'PROVISIOND_ISPCONFIG_PASSWORD'];
    const example = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    for (const key of secrets) assert.match(example[key] ?? '', /^CHANGE-ME/, key);
    const filled = Object.fromEntries(secrets.map((key) => [key, `real-value-of-${key.toLowerCase()}`]));
    assert.ok(loadConfig({ ...filled, PROVISIOND_CONFIG: 'c.json' }, () => REAL_FILE).infrastructure !== undefined);
    for (const key of secrets) {
      assert.equal(invalidKey(() => loadConfig({ ...filled, PROVISIOND_CONFIG: 'c.json', [key]: example[key] }, () => REAL_FILE)), key);
    }
  });
});

describe('the operations settings', () => {
  it('default to auto log format, a 20 s grace and a protected /metrics', () => {
    const config = loadConfig({});
    assert.deepEqual([config.logFormat, config.shutdownGraceSeconds, config.metricsPublic], ['auto', 20, false]);
  });

  it('are read from the environment', () => {
    const config = loadConfig({ PROVISIOND_LOG_FORMAT: 'pretty', PROVISIOND_SHUTDOWN_GRACE_SECONDS: '2.5', PROVISIOND_METRICS_PUBLIC: '1' });
    assert.deepEqual([config.logFormat, config.shutdownGraceSeconds, config.metricsPublic], ['pretty', 2.5, true]);
    assert.equal(loadConfig({ PROVISIOND_LOG_FORMAT: 'json', PROVISIOND_SHUTDOWN_GRACE_SECONDS: '0' }).shutdownGraceSeconds, 0);
  });

  it('name the key at fault', () => {
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_LOG_FORMAT: 'fancy' })), 'PROVISIOND_LOG_FORMAT');
    for (const grace of ['-1', 'soon', '3601']) assert.equal(invalidKey(() => loadConfig({ PROVISIOND_SHUTDOWN_GRACE_SECONDS: grace })), 'PROVISIOND_SHUTDOWN_GRACE_SECONDS');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_METRICS_PUBLIC: 'yes' })), 'PROVISIOND_METRICS_PUBLIC');
  });
});
