/** Where the command line finds the daemon, its token and its database: the daemon's own settings. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { apiToken, DAEMON_DEFAULTS, daemonUrl, databasePath } from '../../src/cli/daemon-client.js';
import { UsageError } from '../../src/cli/context.js';
import { DEFAULTS } from '../../src/config.js';

test('the defaults are the daemon\'s (src/config.ts), kept apart only to spare TypeBox\'s start-up', () => {
  assert.deepEqual(DAEMON_DEFAULTS, { host: DEFAULTS.host, port: DEFAULTS.port, dbPath: DEFAULTS.dbPath });
});

test('the daemon URL: PROVISIOND_URL, else HOST and PORT as the daemon reads them, wildcards reached on loopback', () => {
  assert.equal(daemonUrl({}), 'http://127.0.0.1:8080');
  assert.equal(daemonUrl({ PORT: '9090' }), 'http://127.0.0.1:9090');
  assert.equal(daemonUrl({ HOST: '0.0.0.0', PORT: '9090' }), 'http://127.0.0.1:9090');
  assert.equal(daemonUrl({ HOST: '::' }), 'http://[::1]:8080');
  assert.equal(daemonUrl({ PROVISIOND_URL: 'https://ops.example.net/provisiond/', PORT: '1' }), 'https://ops.example.net/provisiond');
  assert.throws(() => daemonUrl({ PROVISIOND_URL: 'ftp://x' }), UsageError);
  assert.throws(() => daemonUrl({ PROVISIOND_URL: 'not a url' }), UsageError);
});

test('the token: PROVISIOND_API_TOKEN, else the file beside PROVISIOND_DB; messages name the source only', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-cli-env-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.deepEqual(apiToken({ PROVISIOND_API_TOKEN: 'from-the-environment' }), { token: 'from-the-environment', source: 'PROVISIOND_API_TOKEN' });
  writeFileSync(join(dir, 'api-token'), 'from-the-file\n', { mode: 0o600 });
  assert.deepEqual(apiToken({ PROVISIOND_DB: join(dir, 'provisiond.db') }), { token: 'from-the-file', source: join(dir, 'api-token') });
  assert.throws(() => apiToken({ PROVISIOND_DB: join(dir, 'elsewhere', 'provisiond.db') }), /no API token: set PROVISIOND_API_TOKEN/);
  assert.equal(databasePath({}), DEFAULTS.dbPath);
});
