/**
 * A read that failed in transit is asked again, at once and inside the effect; a write never
 * is (the machine's next attempt first looks for what the last one may have created).
 *
 * Why here and not only in the machine: an effect makes many reads (look for the tagged
 * resource, read its config, poll its task), and each machine attempt of a step is precious —
 * three for a container operation. Under a fault rate r per call, an attempt of k reads fails
 * with 1 − (1 − r)^k from reads alone; asked up to three times, a read fails with r³. The fault
 * storm (`npm run faults`) measured the difference.
 *
 * Only `UPSTREAM_UNAVAILABLE` is asked again: a 5xx, a reset, a refused connection. Not a
 * time-out (the system is slow; the machine's backoff is the better answer, and another
 * time-out costs the whole request timeout again), not a 429 (it has its own Retry-After, which
 * the machine honours), and never once the caller has gone.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { AppError } from '../errors.js';

export interface ReadRetryOptions {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Pause before the second try; doubled before each further one. */
  readonly baseDelayMs: number;
}

export const READ_RETRY: ReadRetryOptions = { attempts: 3, baseDelayMs: 100 };

export function isLostRead(error: unknown): boolean {
  return error instanceof AppError && error.retryable && error.code === 'UPSTREAM_UNAVAILABLE';
}

/**
 * `lostAnswer` covers clients that return an HTTP error instead of throwing it (NPM): an
 * answer it flags is tried again like a thrown lost read, and the last one is returned as is.
 */
export async function retryRead<T>(
  read: () => Promise<T>,
  signal: AbortSignal | undefined,
  options: ReadRetryOptions = READ_RETRY,
  lostAnswer: (answer: T) => boolean = () => false,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= options.attempts;
    try {
      const answer = await read();
      if (last || signal?.aborted === true || !lostAnswer(answer)) return answer;
    } catch (error) {
      if (last || signal?.aborted === true || !isLostRead(error)) throw error;
    }
    try {
      await delay(options.baseDelayMs * 2 ** (attempt - 1), undefined, signal === undefined ? undefined : { signal });
    } catch (error) {
      // Cancelled during the pause: as the clients report any cancellation.
      if (signal?.reason instanceof AppError) throw signal.reason;
      throw new AppError('UPSTREAM_TIMEOUT', 'cancelled before a lost read was asked again', { retryable: true, cause: error });
    }
  }
}
