/**
 * The real `sleepUntil` actor: resolves at an absolute deadline. Because the deadline is
 * data (context and invoke input, both persisted), a restored actor re-runs this with the
 * original deadline and fires on time, or at once if the deadline passed while we were down.
 */
import { fromPromise } from 'xstate';

/** setTimeout's ceiling; longer waits are taken in slices. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export function createDurableTimer(now: () => number = Date.now) {
  return fromPromise<void, { deadlineAt: number }>(
    ({ input, signal }) =>
      new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const arm = (): void => {
          const remaining = input.deadlineAt - now();
          if (remaining <= 0) return resolve();
          timer = setTimeout(arm, Math.min(remaining, MAX_TIMEOUT_MS));
        };
        // A cancelled wait (the state was left) never resolves: the actor is already gone.
        signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
        arm();
      }),
  );
}
