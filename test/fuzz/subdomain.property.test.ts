/**
 * Subdomains derived from arbitrary e-mail addresses are always DNS labels (1–63 of [a-z0-9-],
 * no hyphen at either end), leave room for a collision suffix, and are never handed out when
 * reserved or held by a live service; normaliseDomain accepts only host names and gives back
 * one it would accept again unchanged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { seededRandom } from '../support/seeded-random.js';
import { isAppError } from '../../src/errors.js';
import { isValidSubdomain, MAX_LABEL, subdomainBase, withSuffix } from '../../src/domain/subdomain.js';
import { openStore } from '../../src/persistence/store.js';
import { normaliseDomain } from '../../src/server/fields.js';
import { isAsciiHostname } from './documented-rules.js';
import { fuzzParameters } from './fuzz-runs.js';
import { hostileString } from './hostile-strings.js';

/** RFC 1035's label, checked character by character (independent of the regexes under test). */
function isDnsLabel(label: string): boolean {
  if (label.length < 1 || label.length > 63 || label.startsWith('-') || label.endsWith('-')) return false;
  return Array.from(label).every((char) => (char >= 'a' && char <= 'z') || (char >= '0' && char <= '9') || char === '-');
}

const RESERVED = ['www', 'mail', 'admin', 'api', 'ns1', 'site', 'a', 'x1'];

/** Addresses whose local part folds into something interesting: reserved, empty, accented, long. */
const email = fc.oneof(
  fc.emailAddress(),
  fc.tuple(fc.oneof(hostileString(80), fc.constantFrom(...RESERVED.map((name) => name.toUpperCase()), 'W.W.W', 'wWw+shop', '+tag', '', '---', 'Ádmin', 'ＡＤＭＩＮ', 'ß', 'ǅ', '١٢٣', '\u202ewww', 'w\u200bw\u200bw', 'ns1+x')), fc.constantFrom('example.com', 'exämple.de', '')).map(([local, domain]) => `${local}@${domain}`),
  hostileString(300),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

/** Replayable randomness for one property run. */
const randomSource = fc.integer().map(seededRandom);

test('the base subdomain of any e-mail is a DNS label with room for a suffix, and suffixed names stay labels', () => {
  fc.assert(
    fc.property(email, randomSource, (address, random) => {
      const base = subdomainBase(address);
      assert.ok(isDnsLabel(base) && isValidSubdomain(base), `${JSON.stringify(address)} → ${JSON.stringify(base)}`);
      assert.ok(base.length <= MAX_LABEL - 5, `${JSON.stringify(base)} leaves no room for "-xxxx"`);
      const suffixed = withSuffix(base, random);
      assert.ok(isDnsLabel(suffixed) && isValidSubdomain(suffixed), `${JSON.stringify(suffixed)}`);
      assert.equal(suffixed.slice(0, base.length + 1), `${base}-`);
    }),
    fuzzParameters(1000),
  );
});

test('isValidSubdomain agrees with the DNS label rule on arbitrary text', () => {
  fc.assert(
    fc.property(fc.oneof(hostileString(70), fc.stringMatching(/^[a-z0-9-]{0,70}$/)), (text) => {
      assert.equal(isValidSubdomain(text), isDnsLabel(text), JSON.stringify(text));
    }),
    fuzzParameters(1000),
  );
});

const dir = mkdtempSync(join(tmpdir(), 'provisiond-fuzz-subdomain-'));
const store = openStore(join(dir, 'provisiond.db'));
after(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('allocation never hands out a reserved or live subdomain, whatever the e-mail', () => {
  let n = 0;
  // One stream for the whole test, like Math.random in the daemon: runs share the database, so
  // a seed repeated by another run would replay suffixes already taken, which is not luck
  // production can have.
  const random = seededRandom(0x5eed);
  // No service is ever deleted here, so every subdomain handed out stays live.
  const live = new Set<string>();
  fc.assert(
    fc.property(fc.array(email, { minLength: 1, maxLength: 8 }), (addresses) => {
      const policy = {
        // Loopback only, and large: the property is about names, not about running out of addresses.
        ipPool: { first: '127.64.0.1', last: '127.127.255.254' },
        vmidRange: { first: 100, last: 999_999_999 },
        reservedSubdomains: RESERVED,
        random,
      };
      for (const address of addresses) {
        const { record } = store.services.create({ serviceId: `svc-${n++}`, email: address, plan: 'basic', publicIp: '203.0.113.10', domainQuota: 3 }, policy, Date.now());
        assert.ok(isDnsLabel(record.subdomain), `${JSON.stringify(address)} → ${JSON.stringify(record.subdomain)}`);
        assert.ok(!RESERVED.includes(record.subdomain), `${JSON.stringify(address)} got the reserved ${record.subdomain}`);
        assert.ok(!live.has(record.subdomain), `${JSON.stringify(address)} got ${record.subdomain}, which a live service holds`);
        live.add(record.subdomain);
      }
    }),
    fuzzParameters(150),
  );
  const stored = store.services.list({ limit: 1_000_000 }).map((service) => service.subdomain);
  assert.deepEqual(new Set(stored), live);
});

test('normaliseDomain accepts only host names, lower-case ASCII, and is idempotent', () => {
  const label = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/).filter((text) => text.slice(2, 4) !== '--');
  const asciiHost = fc.tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-zA-Z]{2,6}$/)).map(([labels, tld]) => [...labels, tld].join('.'));
  const idnHost = fc.tuple(fc.constantFrom('bücher', 'пример', 'ドメイン', 'straße', 'ﬀ', 'Ä', 'ε'), fc.constantFrom('example', 'com', 'рф', 'de')).map(([a, b]) => `${a}.${b}`);
  fc.assert(
    fc.property(fc.oneof(asciiHost, idnHost, hostileString(260), fc.domain(), fc.string({ unit: 'binary', maxLength: 60 })), (input) => {
      let result: string;
      try {
        result = normaliseDomain(input);
      } catch (error) {
        assert.ok(isAppError(error) && error.code === 'VALIDATION_FAILED' && error.field === 'domain', String(error));
        return;
      }
      assert.ok(isAsciiHostname(result), `${JSON.stringify(input)} → ${JSON.stringify(result)}`);
      assert.equal(normaliseDomain(result), result, `not idempotent on ${JSON.stringify(result)}`);
      // Nothing but letters, marks, digits, dots and hyphens can have produced a host name.
      assert.ok(!/[\s\p{Cc}\p{Cf}\p{Cs}%/\\@:?#_*]/u.test(input), `${JSON.stringify(input)} was accepted as ${result}`);
    }),
    fuzzParameters(1500),
  );
  // And plain ASCII host names always pass, lower-cased.
  fc.assert(
    fc.property(asciiHost, (host) => {
      assert.equal(normaliseDomain(host), host.toLowerCase());
    }),
    fuzzParameters(500),
  );
});
