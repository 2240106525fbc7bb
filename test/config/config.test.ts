import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULTS, loadConfig } from '../../src/config.js';
import { invalidKey } from './invalid-key.js';

const files = (text: string) => () => text;

describe('configuration', () => {
  it('starts from the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.dbPath, 'data/provisiond.db');
    assert.deepEqual(config.pools.privateIps, DEFAULTS.privateIps, "the mission's pool, .100 to .253");
    assert.deepEqual([DEFAULTS.privateIps.first.split('.')[3], DEFAULTS.privateIps.last.split('.')[3]], ['100', '253']);
    assert.deepEqual(config.plans.find((p) => p.name === 'basic'), { name: 'basic', memoryMb: 2048, diskGb: 20, cores: 1, domainQuota: 3 });
    assert.equal(config.apiToken, undefined);
  });

  it('reads plans and pools from the file named by PROVISIOND_CONFIG', () => {
    const file = JSON.stringify({ baseDomain: 'hosting.example', plans: { tiny: { memoryMb: 512, diskGb: 5, cores: 1, domainQuota: 1 } }, pools: { privateIps: { first: '127.0.5.10', last: '127.0.5.20' }, vmids: { first: 500, last: 599 } } });
    const config = loadConfig({ PROVISIOND_CONFIG: 'c.json', PORT: '9000', PROVISIOND_API_TOKEN: 'a-long-enough-token' }, files(file));
    assert.equal(config.baseDomain, 'hosting.example');
    assert.deepEqual(config.plans.map((p) => p.name), ['tiny']);
    assert.deepEqual(config.pools.vmids, { first: 500, last: 599 });
    assert.equal(config.port, 9000);
  });

  it('limits each client to 600 requests a minute unless PROVISIOND_RATE_LIMIT says otherwise (0 = off)', () => {
    assert.equal(loadConfig({}).rateLimitPerMinute, 600);
    assert.equal(loadConfig({ PROVISIOND_RATE_LIMIT: '0' }).rateLimitPerMinute, 0);
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_RATE_LIMIT: 'lots' })), 'PROVISIOND_RATE_LIMIT');
  });

  it('reconciles every 10 minutes, report-only, unless told otherwise', () => {
    assert.deepEqual(loadConfig({}).reconcile, { intervalMinutes: 10, fix: false });
    assert.deepEqual(loadConfig({ PROVISIOND_RECONCILE_MINUTES: '0', PROVISIOND_RECONCILE_FIX: 'true' }).reconcile, { intervalMinutes: 0, fix: true });
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_RECONCILE_FIX: 'sometimes' })), 'PROVISIOND_RECONCILE_FIX');
  });

  it('takes the custom-domain verification window in hours (72 by default) and refuses nonsense', () => {
    assert.equal(loadConfig({}).domainVerificationWindowMs, 72 * 3_600_000);
    const config = loadConfig({ PROVISIOND_CONFIG: 'c.json' }, files(JSON.stringify({ domains: { verificationWindowHours: 0.5 } })));
    assert.equal(config.domainVerificationWindowMs, 1_800_000);
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'c.json' }, files(JSON.stringify({ domains: { verificationWindowHours: 0 } })))), 'domains.verificationWindowHours');
  });

  it('names the key at fault', () => {
    assert.equal(invalidKey(() => loadConfig({ PORT: 'eighty' })), 'PORT');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_API_TOKEN: 'short' })), 'PROVISIOND_API_TOKEN');
    assert.equal(invalidKey(() => loadConfig({ LOG_LEVEL: 'loud' })), 'LOG_LEVEL');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_SANDBOX_TIME_SCALE: 'fast' })), 'PROVISIOND_SANDBOX_TIME_SCALE');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_SANDBOX_SITE_PORT: '70000' })), 'PROVISIOND_SANDBOX_SITE_PORT');
    assert.deepEqual(loadConfig({ PROVISIOND_SANDBOX_TIME_SCALE: '0', PROVISIOND_SANDBOX_SITE_PORT: '8088' }).sandbox, { timeScale: 0, sitePort: 8088 });
    const read = (text: string) => invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'c.json' }, files(text)));
    assert.equal(read('{not json'), 'PROVISIOND_CONFIG');
    assert.equal(read(JSON.stringify({ plans: { basic: { memoryMb: 'lots', diskGb: 20, cores: 1, domainQuota: 3 } } })), 'plans.basic.memoryMb');
    assert.equal(read(JSON.stringify({ pools: { privateIps: { first: '127.0.0.300', last: '127.0.0.9' } } })), 'pools.privateIps.first');
    assert.equal(read(JSON.stringify({ pools: { vmids: { first: 900, last: 100 } } })), 'pools.vmids');
    assert.equal(read(JSON.stringify({ pools: { reservedSubdomains: ['ok', '-bad'] } })), 'pools.reservedSubdomains[1]');
    assert.equal(read(JSON.stringify({ colour: 'blue' })), 'colour');
    assert.equal(read(JSON.stringify({ baseDomain: 'Not A Domain' })), 'baseDomain');
    assert.equal(invalidKey(() => loadConfig({ PROVISIOND_CONFIG: 'missing.json' }, () => { throw new Error('ENOENT'); })), 'PROVISIOND_CONFIG');
  });
});
