/**
 * A separate process for allocation-concurrency.test.ts: opens its own Store on the shared
 * file, says "ready", and on any line from stdin creates its services as fast as it can.
 */
import { openStore } from '../../src/persistence/store.js';

const [path, prefix, count] = process.argv.slice(2);
if (path === undefined || prefix === undefined || count === undefined) throw new Error('usage: create-services.child.ts <db> <prefix> <count>');
const store = openStore(path);
// Not the test helpers: importing node:test here would make this process a test run.
const shared = { ipPool: { first: '127.20.0.1', last: '127.20.3.254' }, vmidRange: { first: 1_000, last: 9_999 }, reservedSubdomains: [], random: Math.random };
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  for (let i = 0; i < Number(count); i++) {
    // One e-mail for everyone, so the subdomain suffix path is raced as well.
    const service = { serviceId: `${prefix}-${i}`, email: 'shared@example.com', plan: 'basic', publicIp: '203.0.113.10', domainQuota: 3 };
    store.services.create(service, shared, Date.now());
  }
  store.close();
  process.exit(0);
});
