/**
 * One service's life as Paymenter and its customer drive it — create, suspend, unsuspend,
 * a custom domain, and deletion or not — waiting at each step for the state the daemon must
 * reach. A phase that ends in `failed` is examined: a retryable code means the step's retry
 * budget ran out under the storm (policy, not a bug; `retry` resumes it, as an operator would,
 * and it is counted); any other code means a transient fault was taken for a permanent one,
 * and the lifecycle stops there as mishandled.
 */
import { RETRY_RULES } from '../../src/machines/retry-policy.js';
import type { DaemonApi } from '../support/sandbox-process.js';
import type { BoardService, Patience, ServiceBoard } from './service-board.js';

/** A custom domain may wait this long between two ownership looks when DNS fails it. */
const OWNERSHIP_LOOK_GAP_MS = RETRY_RULES.verifyOwnership.maxMs;

/** Codes the effects give to failures that may clear by themselves (src/errors.ts). */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'UPSTREAM_RATE_LIMITED',
  'RESOURCE_LOCKED',
  'NOT_READY',
  'SITE_NOT_LIVE',
  'SHUTTING_DOWN',
]);

export interface LifecyclePlan {
  readonly serviceId: string;
  readonly email: string;
  readonly domain: string;
  /** `deleted`: the whole life; `active`: left running with its domain. */
  readonly end: 'active' | 'deleted';
}

/** A phase that failed on a retryable code and was resumed with `retry`. */
export interface Exhaustion {
  readonly serviceId: string;
  readonly phase: string;
  readonly step: string;
  readonly code: string;
  readonly message: string;
}

export interface LifecycleOutcome {
  readonly plan: LifecyclePlan;
  /** Last state seen. */
  readonly state: string;
  readonly vmid: number | undefined;
  readonly fqdn: string | undefined;
  readonly privateIp: string | undefined;
  readonly exhausted: readonly Exhaustion[];
  /** Inverses that failed during a compensation: possible leftovers. */
  readonly compensationErrors: readonly string[];
  /** Why the lifecycle did not end as planned; undefined when it did. */
  readonly problem: Problem | undefined;
  readonly ms: number;
  /** Milliseconds each phase took, in order (`provision`, `suspend`, `unsuspend`, `domain`, `delete`). */
  readonly phases: Readonly<Record<string, number>>;
}

/**
 * `mishandled`: a failure on a code that is not retryable (a transient fault taken for a
 * permanent one); `stuck`: no settled state within the phase's time; `retries`: the budget of
 * `retry`s ran out; `error`: the daemon refused a command or stopped answering.
 */
export interface Problem {
  readonly kind: 'mishandled' | 'stuck' | 'retries' | 'error';
  readonly message: string;
}

class LifecycleProblem extends Error {
  constructor(
    readonly kind: Problem['kind'],
    message: string,
  ) {
    super(message);
  }
}

export interface LifecycleDeps {
  readonly api: DaemonApi;
  readonly board: ServiceBoard;
  /** Publish the TXT record the daemon asked for (the sandbox's DNS). */
  readonly publishTxt: (name: string, values: readonly string[]) => Promise<void>;
  /** How long one phase may go without progress, and at most. */
  readonly patience: Patience;
  /** `retry`s allowed per lifecycle for exhausted budgets. */
  readonly maxRetries: number;
}

/** A command that must be accepted; the daemon's per-client limit (429) is waited out. */
async function command<T = Record<string, unknown>>(api: DaemonApi, method: 'POST', path: string, body?: unknown): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const reply = await api.call<T>(method, path, body);
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    if (reply.status !== 429 || Date.now() > deadline) throw new Error(`${method} ${path} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

export async function runLifecycle(plan: LifecyclePlan, deps: LifecycleDeps): Promise<LifecycleOutcome> {
  const started = Date.now();
  const { api, board } = deps;
  const id = plan.serviceId;
  const exhausted: Exhaustion[] = [];
  const compensationErrors = new Set<string>();

  const note = (service: BoardService): void => {
    for (const e of service.compensation_errors) compensationErrors.add(`${e.step}: ${e.code} ${e.message}`);
  };

  /** Until the service is `wanted`; a failure on a retryable code is retried, any other is mishandling. */
  const reach = async (wanted: string): Promise<BoardService> => {
    for (;;) {
      const service = await board.until(id, (s) => s.state === wanted || s.state === 'failed' || s.state === 'deleted', deps.patience, `${id} to be ${wanted}`);
      note(service);
      if (service.state === wanted) return service;
      const failure = service.failure;
      if (service.state !== 'failed' || failure === null || !RETRYABLE_CODES.has(failure.code)) {
        throw new LifecycleProblem('mishandled', `${id} ended in ${service.state} instead of ${wanted}: ${JSON.stringify(failure)}`);
      }
      if (exhausted.length >= deps.maxRetries) {
        throw new LifecycleProblem('retries', `${id}: retry budget exhausted ${exhausted.length + 1} times; last at ${failure.phase}/${failure.step}: ${failure.code} ${failure.message}`);
      }
      exhausted.push({ serviceId: id, phase: failure.phase, step: failure.step, code: failure.code, message: failure.message });
      await command(api, 'POST', `/v1/services/${encodeURIComponent(id)}/retry`);
      // The board may still show the `failed` from before the retry: wait for a newer commit.
      await board.until(id, (s) => s.updated_at !== service.updated_at, deps.patience, `${id} to move on after retry`);
    }
  };

  /** Until the domain is active; the same rule for its failures. */
  const domainActive = async (): Promise<void> => {
    for (;;) {
      const service = await board.until(
        id,
        (s) => s.domains.some((d) => d.domain === plan.domain && (d.state === 'active' || d.state === 'failed')),
        { ...deps.patience, idleMs: Math.max(deps.patience.idleMs, OWNERSHIP_LOOK_GAP_MS + 30_000) },
        `${plan.domain} of ${id} to settle`,
      );
      const domain = service.domains.find((d) => d.domain === plan.domain);
      if (domain?.state === 'active') return;
      const error = domain?.error ?? null;
      if (error === null || !RETRYABLE_CODES.has(error.code)) throw new LifecycleProblem('mishandled', `${plan.domain} of ${id} failed: ${JSON.stringify(error)}`);
      if (exhausted.length >= deps.maxRetries) {
        throw new LifecycleProblem('retries', `${id}: retry budget exhausted ${exhausted.length + 1} times; last on ${plan.domain}: ${error.code} ${error.message}`);
      }
      exhausted.push({ serviceId: id, phase: 'domain', step: plan.domain, code: error.code, message: error.message });
      await command(api, 'POST', `/v1/services/${encodeURIComponent(id)}/domains/${encodeURIComponent(plan.domain)}/retry`);
      await board.until(id, (s) => s.updated_at !== service.updated_at, deps.patience, `${plan.domain} to move on after retry`);
    }
  };

  const phases: Record<string, number> = {};
  const phase = async (name: string, work: () => Promise<unknown>): Promise<void> => {
    const t0 = Date.now();
    await work();
    phases[name] = Date.now() - t0;
  };
  let problem: Problem | undefined;
  try {
    await phase('provision', async () => {
      await command(api, 'POST', '/create-site', { service_id: id, email: plan.email, plan: 'basic', public_ip: '203.0.113.10' });
      await reach('active');
    });
    await phase('suspend', async () => {
      await command(api, 'POST', '/suspend', { service_id: id });
      await reach('suspended');
    });
    await phase('unsuspend', async () => {
      await command(api, 'POST', '/unsuspend', { service_id: id });
      await reach('active');
    });
    await phase('domain', async () => {
      const added = await command<{ verification: { name: string; value: string } }>(api, 'POST', '/customdomain/add', { service_id: id, domain: plan.domain });
      await deps.publishTxt(added.verification.name, [added.verification.value]);
      await domainActive();
    });
    if (plan.end === 'deleted') {
      await phase('delete', async () => {
        await command(api, 'POST', '/delete-site', { service_id: id });
        await reach('deleted');
      });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    problem = error instanceof LifecycleProblem ? { kind: error.kind, message } : { kind: message.startsWith('stuck') ? 'stuck' : 'error', message };
  }
  const last = board.get(id);
  return {
    plan,
    state: last?.state ?? 'unknown',
    vmid: last?.vmid,
    fqdn: last?.fqdn,
    privateIp: last?.private_ip,
    exhausted,
    compensationErrors: [...compensationErrors],
    problem,
    ms: Date.now() - started,
    phases,
  };
}
