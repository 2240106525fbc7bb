/**
 * The strongest faithfulness check: the official `cloudflare` npm SDK (7.x), pointed at the
 * simulator with `baseURL` and `maxRetries: 0`, lists, creates, edits and deletes records and
 * recognises the errors. The package is imported by name at run time so that this file still
 * type-checks where it is not installed; there the tests are skipped and say why.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OTHER_ZONE, startCloudflare, TOKEN, ZONE, type Harness } from './cloudflare-harness.js';

interface SdkError extends Error {
  readonly status: number;
  readonly errors: readonly { code: number; message: string }[];
}
interface SdkPage<T> extends AsyncIterable<T> {
  readonly result: T[];
  readonly result_info: Record<string, unknown>;
}
interface SdkRecord {
  readonly id: string;
  readonly name: string;
  readonly type: string;
  readonly content?: string;
  readonly comment?: string | null;
  readonly ttl: number;
  readonly proxied?: boolean;
  readonly proxiable: boolean;
}
interface CloudflareClient {
  readonly zones: { list(params: Record<string, unknown>): Promise<SdkPage<{ id: string; name: string }>> & AsyncIterable<{ id: string; name: string }> };
  readonly dns: {
    readonly records: {
      create(params: Record<string, unknown>): Promise<SdkRecord>;
      list(params: Record<string, unknown>): Promise<SdkPage<SdkRecord>> & AsyncIterable<SdkRecord>;
      get(id: string, params: { zone_id: string }): Promise<SdkRecord>;
      edit(id: string, params: Record<string, unknown>): Promise<SdkRecord>;
      update(id: string, params: Record<string, unknown>): Promise<SdkRecord>;
      delete(id: string, params: { zone_id: string }): Promise<{ id: string }>;
    };
  };
  readonly user: { readonly tokens: { verify(): Promise<{ id: string; status: string }> } };
}
interface CloudflareModule {
  new (options: Record<string, unknown>): CloudflareClient;
  readonly BadRequestError: new (...args: never[]) => SdkError;
  readonly NotFoundError: new (...args: never[]) => SdkError;
  readonly PermissionDeniedError: new (...args: never[]) => SdkError;
  readonly RateLimitError: new (...args: never[]) => SdkError;
}

const specifier = 'cloudflare';
const Cloudflare: CloudflareModule | undefined = await import(specifier).then(
  (module: { default: CloudflareModule }) => module.default,
  () => undefined,
);
const skip = Cloudflare === undefined ? 'the cloudflare npm package is not installed' : false;

let cf: Harness;
let sdk: CloudflareClient;
const client = (options: Record<string, unknown> = {}): CloudflareClient => {
  if (Cloudflare === undefined) throw new Error('unreachable: skipped');
  // Credentials only from here: CLOUDFLARE_EMAIL/API_KEY in the environment would add headers.
  return new Cloudflare({ apiToken: TOKEN, apiKey: null, apiEmail: null, baseURL: cf.base, maxRetries: 0, timeout: 5000, logLevel: 'off', ...options });
};

async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  assert.fail('expected the SDK call to fail');
}

describe('the official cloudflare SDK against the simulator', { skip }, () => {
  before(async () => {
    cf = await startCloudflare();
    sdk = client();
  });
  after(async () => {
    await cf.close();
  });

  test('verifies its token and finds the zone by name', async () => {
    assert.equal((await sdk.user.tokens.verify()).status, 'active');
    const page = await sdk.zones.list({ name: 'example.com' });
    assert.deepEqual(page.result.map((z) => z.id), [ZONE.id]);
    const names: string[] = [];
    for await (const zone of sdk.zones.list({})) names.push(zone.name);
    assert.deepEqual(names, [ZONE.name, OTHER_ZONE.name]);
  });

  test('creates a record, finds it by a comment filter and by name.exact, edits and deletes it', async () => {
    const created = await sdk.dns.records.create({
      zone_id: ZONE.id, type: 'A', name: 'site-42.example.com', content: '203.0.113.42', ttl: 1, proxied: false, comment: 'provisiond:svc-42',
    });
    assert.match(created.id, /^[0-9a-f]{32}$/);
    assert.equal(created.name, 'site-42.example.com');

    const byComment: SdkRecord[] = [];
    for await (const record of sdk.dns.records.list({ zone_id: ZONE.id, comment: { contains: 'svc-42' } })) byComment.push(record);
    assert.deepEqual(byComment.map((r) => r.id), [created.id]);
    const byName = await sdk.dns.records.list({ zone_id: ZONE.id, type: 'A', name: { exact: 'SITE-42.example.com' }, per_page: 50 });
    assert.deepEqual(byName.result.map((r) => r.id), [created.id]);

    const edited = await sdk.dns.records.edit(created.id, { zone_id: ZONE.id, content: '203.0.113.43' });
    assert.equal(edited.content, '203.0.113.43');
    const updated = await sdk.dns.records.update(created.id, { zone_id: ZONE.id, type: 'A', name: 'site-42.example.com', content: '203.0.113.44', ttl: 300 });
    assert.equal(updated.ttl, 300);
    assert.equal((await sdk.dns.records.get(created.id, { zone_id: ZONE.id })).content, '203.0.113.44');

    assert.deepEqual(await sdk.dns.records.delete(created.id, { zone_id: ZONE.id }), { id: created.id });
    const gone = await rejection(sdk.dns.records.get(created.id, { zone_id: ZONE.id }));
    assert.ok(Cloudflare !== undefined && gone instanceof Cloudflare.NotFoundError);
    assert.equal(gone.errors[0]?.code, 81044);
  });

  test('auto-pagination reads every record and stops on the empty page past the end', async () => {
    for (let i = 1; i <= 5; i++) {
      await sdk.dns.records.create({ zone_id: ZONE.id, type: 'TXT', name: `_page${i}`, content: `"p${i}"`, ttl: 1, comment: 'paging' });
    }
    const before = cf.faults.counts()['cloudflare.dns_records.list']?.calls ?? 0;
    const seen: string[] = [];
    for await (const record of sdk.dns.records.list({ zone_id: ZONE.id, comment: { exact: 'paging' }, per_page: 2 })) seen.push(record.name);
    assert.equal(seen.length, 5);
    assert.equal((cf.faults.counts()['cloudflare.dns_records.list']?.calls ?? 0) - before, 4, 'pages 1–4: one extra request past the end');
  });

  test('a duplicate create raises BadRequestError whose errors carry 81058', async () => {
    const record = { zone_id: ZONE.id, type: 'A', name: 'dup.example.com', content: '203.0.113.50', ttl: 1 };
    await sdk.dns.records.create(record);
    const error = await rejection(sdk.dns.records.create(record));
    assert.ok(Cloudflare !== undefined && error instanceof Cloudflare.BadRequestError);
    assert.equal(error.status, 400);
    assert.ok(error.errors.some((e) => e.code === 81058));
    const other = await rejection(sdk.dns.records.create({ ...record, ttl: 120 }));
    assert.ok(other.errors.some((e) => e.code === 81057));
  });

  test('an unknown token raises PermissionDeniedError with 9109', async () => {
    const error = await rejection(client({ apiToken: 'Z'.repeat(40) }).dns.records.list({ zone_id: ZONE.id }));
    assert.ok(Cloudflare !== undefined && error instanceof Cloudflare.PermissionDeniedError);
    assert.equal(error.errors[0]?.code, 9109);
  });

  test('the rate limit raises RateLimitError at once with maxRetries 0', async () => {
    const limited = await startCloudflare({ rateLimit: { requests: 1, windowMs: 300_000 } });
    try {
      const limitedSdk = client({ baseURL: limited.base });
      await limitedSdk.zones.list({});
      const started = Date.now();
      const error = await rejection(limitedSdk.zones.list({}));
      assert.ok(Cloudflare !== undefined && error instanceof Cloudflare.RateLimitError);
      assert.equal(error.errors[0]?.code, 10100);
      assert.ok(Date.now() - started < 2000, 'no retry honoured the 300 s Retry-After');
    } finally {
      await limited.close();
    }
  });
});
