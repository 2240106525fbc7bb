import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { invalidKey } from './invalid-key.js';
import { settingsFromConfig } from '../../src/infrastructure.js';

const REAL_FILE = {
  proxmox: { url: 'https://pve1.example.net:8006/api2/json', tokenId: 'provisiond@pve!daemon', nodes: ['node1', 'node2'], template: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', storage: 'drbd', bridge: 'vmbr1', gateway: '127.42.0.1', cidr: 24 },
  cloudflare: { zoneId: '0123456789abcdef0123456789abcdef' },
  npm: { url: 'https://npm.example.net/api', email: 'ops@example.net', proxyUrl: 'http://203.0.113.10' },
  ispconfig: { url: 'https://panel.example.net:8080/remote/json.php', username: 'provisiond', serverId: 1, clientId: 0, ns: ['ns1.example.net'], mbox: 'hostmaster.example.net.' },
  dns: { resolvers: ['127.0.0.53:53'] },
  ssh: { privateKeyFile: '/etc/provisiond/id_ed25519', nodes: { node1: { host: 'pve1.example.net', hostKeySha256: `SHA256:${'A'.repeat(43)}` } } },
};

const SECRETS = {
  PROVISIOND_PROXMOX_TOKEN_SECRET: 'proxmox-secret-value',
  PROVISIOND_CLOUDFLARE_API_TOKEN: 'cloudflare-secret-value',
  PROVISIOND_NPM_PASSWORD: 'npm-secret-value',
  PROVISIOND_ISPCONFIG_PASSWORD: 'ispconfig-secret-value',
};

const withFile = (infrastructure: unknown) => () => JSON.stringify({ infrastructure });

describe('real infrastructure configuration', () => {
  it('is absent by default: the daemon then runs against a sandbox', () => {
    assert.equal(loadConfig({}).infrastructure, undefined);
  });

  it('takes settings from the file and secrets only from the environment', () => {
    const config = loadConfig({ PROVISIOND_CONFIG: 'c.json', ...SECRETS }, withFile(REAL_FILE));
    assert.equal(config.infrastructure?.secrets.proxmoxTokenSecret, 'proxmox-secret-value');
    const settings = settingsFromConfig(config.infrastructure ?? assert.fail(), () => 'PRIVATE KEY TEXT');
    assert.equal(settings.proxmox.tokenSecret, 'proxmox-secret-value');
    assert.equal(settings.cloudflare.apiToken, 'cloudflare-secret-value');
    assert.equal(settings.npm.password, 'npm-secret-value');
    assert.equal(settings.ispconfig.password, 'ispconfig-secret-value');
    assert.equal(settings.ssh.privateKey, 'PRIVATE KEY TEXT');
    assert.deepEqual(settings.ownership.servers, ['127.0.0.53:53']);
    const tuned = loadConfig({ PROVISIOND_CONFIG: 'c.json', ...SECRETS }, withFile({ ...REAL_FILE, ssh: { ...REAL_FILE.ssh, perNodeConcurrency: 2 }, cloudflare: { ...REAL_FILE.cloudflare, requestsPer5Minutes: 600 } }));
    const tunedSettings = settingsFromConfig(tuned.infrastructure ?? assert.fail(), () => 'KEY');
    assert.equal(tunedSettings.ssh.perNodeConcurrency, 2);
    assert.equal(tunedSettings.cloudflare.requestsPer5Minutes, 600);
  });

  it('names the missing secret, the bad key, and a conflicting sandbox', () => {
    const { PROVISIOND_NPM_PASSWORD: _omitted, ...partial } = SECRETS;
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'c.json', ...partial }, withFile(REAL_FILE))), 'PROVISIOND_NPM_PASSWORD');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'c.json', ...SECRETS }, withFile({ ...REAL_FILE, cloudflare: { zoneId: 'nope' } }))), 'infrastructure.cloudflare.zoneId');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'c.json', ...SECRETS }, withFile({ ...REAL_FILE, npm: { ...REAL_FILE.npm, password: 'in-the-file' } }))), 'infrastructure.npm.password', 'a secret in the file is refused');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'c.json', PROVISIOND_SANDBOX: 'x.json', ...SECRETS }, withFile(REAL_FILE))), 'PROVISIOND_SANDBOX');
    const config = loadConfig({ PROVISIOND_CONFIG: 'c.json', ...SECRETS }, withFile(REAL_FILE));
    assert.equal(invalidKey(() => settingsFromConfig(config.infrastructure ?? assert.fail(), () => { throw new Error('ENOENT'); })), 'infrastructure.ssh.privateKeyFile');
  });
});
