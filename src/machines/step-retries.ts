/**
 * Pure bookkeeping shared by the machines for steps that retry with durable backoff:
 * per-step attempt counters and absolute deadlines, both kept in context so that they
 * are persisted with the snapshot and survive a restart.
 */
import { isStepError, type StepError } from '../domain/step-error.js';
import { backoffMs, mayRetry, type RetryStep } from './retry-policy.js';

export interface RetryBook {
  readonly attempts: Record<string, number>;
  readonly deadlines: Record<string, number>;
}

/** Whatever an effect rejected with, as the plain StepError a snapshot can hold. */
export function asStepError(error: unknown): StepError {
  if (isStepError(error)) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.system === undefined ? {} : { system: error.system }),
      ...(typeof error.retryAfterMs === 'number' ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message, retryable: false };
}

/** May the step that just failed with `error` be tried again? */
export function canRetry(book: RetryBook, step: RetryStep, error: unknown): boolean {
  return mayRetry(step, (book.attempts[step] ?? 0) + 1, asStepError(error).retryable);
}

/**
 * The longest Retry-After honoured. A system asking for more is waited on this long and then
 * asked again: the attempt still counts, so a block that never ends fails the step eventually.
 */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;

/**
 * Count the failed attempt and set the absolute time of the next one: the step's backoff, or
 * the wait the system asked for (Retry-After) when that is longer — an attempt made while
 * Cloudflare still blocks us would be refused again and spend the step's attempts for nothing.
 */
export function scheduleRetry(book: RetryBook, step: RetryStep, now: number, error?: unknown): RetryBook {
  const attempt = (book.attempts[step] ?? 0) + 1;
  const asked = error === undefined ? undefined : asStepError(error).retryAfterMs;
  const wait = Math.max(backoffMs(step, attempt), Math.min(asked ?? 0, MAX_RETRY_AFTER_MS));
  return {
    attempts: { ...book.attempts, [step]: attempt },
    deadlines: { ...book.deadlines, [step]: now + wait },
  };
}

/** Forget a step's attempts and deadline (it succeeded, or its phase starts over). */
export function clearStep(book: RetryBook, step: RetryStep): RetryBook {
  const { [step]: _attempt, ...attempts } = book.attempts;
  const { [step]: _deadline, ...deadlines } = book.deadlines;
  return { attempts, deadlines };
}

/** The timer input of a step that is backing off. */
export function deadlineOf(book: RetryBook, step: RetryStep): { deadlineAt: number } {
  return { deadlineAt: book.deadlines[step] ?? 0 };
}
