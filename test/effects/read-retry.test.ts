/** The rule for asking a read again inside an effect (src/effects/read-retry.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors.js';
import { isLostRead, retryRead } from '../../src/effects/read-retry.js';

const FAST = { attempts: 3, baseDelayMs: 1 };
const lost = () => new AppError('UPSTREAM_UNAVAILABLE', '502 Bad Gateway', { retryable: true, system: 'proxmox' });

/** A read that fails with the given errors first, then answers 'ok'; counts its calls. */
function flaky(errors: readonly AppError[]): { read: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    read: async () => {
      const error = errors[calls++];
      if (error !== undefined) throw error;
      return 'ok';
    },
    calls: () => calls,
  };
}

describe('asking a lost read again', () => {
  it('answers once a later try gets through', async () => {
    const read = flaky([lost(), lost()]);
    assert.equal(await retryRead(read.read, undefined, FAST), 'ok');
    assert.equal(read.calls(), 3);
  });

  it('gives up after the last try with that try\'s error', async () => {
    const errors = [lost(), lost(), lost(), lost()];
    const read = flaky(errors);
    await assert.rejects(retryRead(read.read, undefined, FAST), (error) => error === errors[2]);
    assert.equal(read.calls(), 3);
  });

  it('asks only after a lost read: not a time-out, a 429, a permanent error or a lock', async () => {
    for (const error of [
      new AppError('UPSTREAM_TIMEOUT', 'no answer in time', { retryable: true }),
      new AppError('UPSTREAM_RATE_LIMITED', '429', { retryable: true, details: { retryAfterMs: 1000 } }),
      new AppError('UPSTREAM_REJECTED', '400', { retryable: false }),
      new AppError('RESOURCE_LOCKED', 'CT is locked', { retryable: true }),
    ]) {
      assert.equal(isLostRead(error), false, error.code);
      const read = flaky([error]);
      await assert.rejects(retryRead(read.read, undefined, FAST), (thrown) => thrown === error);
      assert.equal(read.calls(), 1, error.code);
    }
  });

  it('never asks again for a caller that has gone, even mid-pause', async () => {
    const controller = new AbortController();
    controller.abort(new AppError('UPSTREAM_TIMEOUT', 'actor stopped', { retryable: true }));
    const read = flaky([lost(), lost()]);
    await assert.rejects(retryRead(read.read, controller.signal, FAST));
    assert.equal(read.calls(), 1);

    const later = new AbortController();
    const reason = new AppError('UPSTREAM_TIMEOUT', 'actor stopped', { retryable: true });
    const slow = flaky([lost(), lost()]);
    const pending = retryRead(slow.read, later.signal, { attempts: 3, baseDelayMs: 5_000 });
    setTimeout(() => later.abort(reason), 20);
    await assert.rejects(pending, (error) => error === reason);
    assert.equal(slow.calls(), 1);
  });

  it('retries an answer the client returns instead of throwing, and returns the last one', async () => {
    let calls = 0;
    const answers = [502, 503, 504, 200];
    const answer = await retryRead(async () => answers[calls++] ?? 0, undefined, FAST, (status) => status >= 502);
    assert.deepEqual([answer, calls], [504, 3]);
  });
});
