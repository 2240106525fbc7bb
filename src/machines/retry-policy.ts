/**
 * How often and how patiently each step is retried (the workflow's retry logic: container
 * operations 3 attempts with delays, transient API failures with backoff, readiness every
 * 5 s up to 6 times). Only errors marked `retryable` are retried; the rest fail at once.
 * The waits are durable: the machine stores `deadlineAt` and a timer actor fires it.
 */

export interface RetryRule {
  /** Total attempts, the first included. */
  readonly attempts: number;
  /** Wait before the second attempt. */
  readonly baseMs: number;
  /** Upper bound of one wait. */
  readonly maxMs: number;
  /** `fixed` polls at `baseMs`; `exponential` doubles each time. */
  readonly backoff: 'fixed' | 'exponential';
}

const containerOperation: RetryRule = { attempts: 3, baseMs: 5_000, maxMs: 20_000, backoff: 'exponential' };
const apiCall: RetryRule = { attempts: 5, baseMs: 2_000, maxMs: 60_000, backoff: 'exponential' };
const readinessPoll: RetryRule = { attempts: 6, baseMs: 5_000, maxMs: 5_000, backoff: 'fixed' };
const installer: RetryRule = { attempts: 2, baseMs: 10_000, maxMs: 10_000, backoff: 'fixed' };

export const RETRY_RULES = {
  allocate: apiCall,
  container: containerOperation,
  ha: apiCall,
  ready: readinessPoll,
  install: installer,
  verify: readinessPoll,
  dnsRecord: apiCall,
  proxyHost: apiCall,
  live: readinessPoll,
  snapshot: containerOperation,
  undo: apiCall,
  forceStop: containerOperation,
  start: containerOperation,
  removeHa: apiCall,
  deleteSnapshots: containerOperation,
  destroyContainer: containerOperation,
  deleteDnsRecord: apiCall,
  deleteProxyHost: apiCall,
  purgeDomains: apiCall,
  release: apiCall,
  reinstall: installer,
  restore: containerOperation,
  resize: containerOperation,
  verifyOwnership: { attempts: 12, baseMs: 30_000, maxMs: 300_000, backoff: 'exponential' },
  dnsZone: apiCall,
  certificate: apiCall,
  domainProxyHost: apiCall,
  removeDomain: apiCall,
} as const satisfies Record<string, RetryRule>;

export type RetryStep = keyof typeof RETRY_RULES;

/** True when attempt number `attempt` (1-based, just failed) may be followed by another. */
export function mayRetry(step: RetryStep, attempt: number, retryable: boolean): boolean {
  return retryable && attempt < RETRY_RULES[step].attempts;
}

/** How long to wait after attempt number `attempt` (1-based) failed. */
export function backoffMs(step: RetryStep, attempt: number): number {
  const rule = RETRY_RULES[step];
  if (rule.backoff === 'fixed') return rule.baseMs;
  return Math.min(rule.maxMs, rule.baseMs * 2 ** Math.max(0, attempt - 1));
}
