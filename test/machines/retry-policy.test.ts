import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RETRY_RULES, backoffMs, mayRetry, type RetryStep } from '../../src/machines/retry-policy.js';
import { asStepError, canRetry, clearStep, deadlineOf, MAX_RETRY_AFTER_MS, scheduleRetry } from '../../src/machines/step-retries.js';
import { AppError, toStepError } from '../../src/errors.js';
import { permanent, transient } from '../support/effect-doubles.js';

const STEPS = Object.keys(RETRY_RULES) as RetryStep[];
const attemptsAllowed = (step: RetryStep): number => {
  let attempt = 1;
  while (mayRetry(step, attempt, true)) attempt++;
  return attempt;
};

describe('retry policy', () => {
  it('gives container operations 3 attempts in all', () => {
    for (const step of ['container', 'snapshot', 'forceStop', 'start', 'destroyContainer'] as const) assert.equal(attemptsAllowed(step), 3, step);
    assert.equal(mayRetry('container', 2, true), true);
    assert.equal(mayRetry('container', 3, true), false);
  });

  it('polls readiness 6 times at a fixed 5 s', () => {
    assert.equal(attemptsAllowed('ready'), 6);
    assert.equal(mayRetry('ready', 5, true), true);
    assert.equal(mayRetry('ready', 6, true), false);
    for (let attempt = 1; attempt <= 6; attempt++) assert.equal(backoffMs('ready', attempt), 5_000, `attempt ${attempt}`);
  });

  it('doubles an exponential wait after each attempt, up to its ceiling', () => {
    assert.deepEqual([1, 2, 3, 4].map((attempt) => backoffMs('container', attempt)), [5_000, 10_000, 20_000, 20_000]);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((attempt) => backoffMs('dnsRecord', attempt)), [2_000, 4_000, 8_000, 16_000, 32_000, 60_000]);
  });

  it('never retries an error that is not retryable', () => {
    for (const step of STEPS) assert.equal(mayRetry(step, 1, false), false, step);
  });

  it('has a sane rule for every step: at least one attempt and waits within 0 < base ≤ max', () => {
    for (const step of STEPS) {
      const rule = RETRY_RULES[step];
      assert.ok(rule.attempts >= 1, step);
      assert.ok(rule.baseMs > 0 && rule.baseMs <= rule.maxMs, step);
      for (let attempt = 1; attempt <= 20; attempt++) {
        const wait = backoffMs(step, attempt);
        assert.ok(wait >= rule.baseMs && wait <= rule.maxMs, `${step} attempt ${attempt}: ${wait}`);
      }
    }
  });
});

describe('step retry bookkeeping', () => {
  const NOW = 1_700_000_000_000;

  it('counts a failed attempt and stores the absolute time of the next one', () => {
    const once = scheduleRetry({ attempts: {}, deadlines: {} }, 'container', NOW);
    assert.deepEqual(once, { attempts: { container: 1 }, deadlines: { container: NOW + 5_000 } });
    const twice = scheduleRetry(once, 'container', NOW + 5_000);
    assert.deepEqual(twice, { attempts: { container: 2 }, deadlines: { container: NOW + 15_000 } });
    assert.deepEqual(deadlineOf(twice, 'container'), { deadlineAt: NOW + 15_000 });
  });

  it('waits at least as long as the system asked (Retry-After), up to a cap, and still counts the attempt', () => {
    const limited = (retryAfterMs: number) => ({ code: 'UPSTREAM_RATE_LIMITED', message: '429', retryable: true, system: 'cloudflare', retryAfterMs });
    // dnsRecord's first backoff is 2 s: Cloudflare's 90 s wins.
    assert.deepEqual(scheduleRetry({ attempts: {}, deadlines: {} }, 'dnsRecord', NOW, limited(90_000)), { attempts: { dnsRecord: 1 }, deadlines: { dnsRecord: NOW + 90_000 } });
    // A shorter Retry-After never shortens the backoff.
    assert.deepEqual(scheduleRetry({ attempts: {}, deadlines: {} }, 'container', NOW, limited(1_000)).deadlines, { container: NOW + 5_000 });
    // A day-long block is waited on for the cap, then asked again.
    assert.deepEqual(scheduleRetry({ attempts: {}, deadlines: {} }, 'dnsRecord', NOW, limited(86_400_000)).deadlines, { dnsRecord: NOW + MAX_RETRY_AFTER_MS });
    // An error without one: the plain backoff.
    assert.deepEqual(scheduleRetry({ attempts: {}, deadlines: {} }, 'dnsRecord', NOW, transient()).deadlines, { dnsRecord: NOW + 2_000 });
  });

  it('carries an AppError\'s Retry-After into the StepError a snapshot holds', () => {
    const error = new AppError('UPSTREAM_RATE_LIMITED', 'slow down', { retryable: true, system: 'cloudflare', details: { retryAfterMs: 4_500.2 } });
    assert.deepEqual(toStepError(error), { code: 'UPSTREAM_RATE_LIMITED', message: 'slow down', retryable: true, system: 'cloudflare', retryAfterMs: 4_501 });
    assert.equal(toStepError(new AppError('UPSTREAM_RATE_LIMITED', 'x', { retryable: true, details: { retryAfterMs: 'soon' } })).retryAfterMs, undefined);
    assert.equal(asStepError(toStepError(error)).retryAfterMs, 4_501);
  });

  it('allows a retry only while attempts remain and the error is retryable', () => {
    assert.equal(canRetry({ attempts: {}, deadlines: {} }, 'container', transient()), true);
    assert.equal(canRetry({ attempts: { container: 1 }, deadlines: {} }, 'container', transient()), true);
    assert.equal(canRetry({ attempts: { container: 2 }, deadlines: {} }, 'container', transient()), false);
    assert.equal(canRetry({ attempts: {}, deadlines: {} }, 'container', permanent()), false);
    assert.equal(canRetry({ attempts: {}, deadlines: {} }, 'container', new Error('thrown')), false);
  });

  it('forgets one step without touching the others', () => {
    const book = { attempts: { container: 2, dnsRecord: 1 }, deadlines: { container: NOW, dnsRecord: NOW + 1 } };
    assert.deepEqual(clearStep(book, 'container'), { attempts: { dnsRecord: 1 }, deadlines: { dnsRecord: NOW + 1 } });
    assert.deepEqual(book.attempts, { container: 2, dnsRecord: 1 }, 'the input is not mutated');
  });

  it('fires at once for a step that has no deadline', () => {
    assert.deepEqual(deadlineOf({ attempts: {}, deadlines: {} }, 'install'), { deadlineAt: 0 });
  });

  it('turns whatever an effect rejected with into a plain StepError', () => {
    assert.deepEqual(asStepError({ code: 'X', message: 'm', retryable: true, system: 'proxmox', extra: 1 }), { code: 'X', message: 'm', retryable: true, system: 'proxmox' });
    assert.deepEqual(asStepError(new Error('bug')), { code: 'INTERNAL', message: 'bug', retryable: false });
    assert.deepEqual(asStepError('nope'), { code: 'INTERNAL', message: 'nope', retryable: false });
  });
});
