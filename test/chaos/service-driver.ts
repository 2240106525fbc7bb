/**
 * Carries out one service's script over HTTP while the daemon keeps dying: each command is
 * sent (again, after a lost answer, with the same Idempotency-Key), an eager one right away,
 * any other once the previous command's goal is reached. A custom domain's TXT proof is
 * published through the sandbox's control API as soon as the daemon names it. The lifecycle
 * is complete when the service rests in its intended final state.
 */
import type { SandboxProbe } from '../support/sandbox-process.js';
import type { Answer, DaemonClient, ServiceWire } from './daemon-client.js';
import { goalOf, type Action, type ServiceScript } from './lifecycle-script.js';
import { describe, type ServiceObserver } from './service-observer.js';

export interface DriverDeps {
  readonly client: DaemonClient;
  readonly observer: ServiceObserver;
  readonly sandbox: SandboxProbe;
  /** Resolves once the run has killed the daemon `count` times. */
  readonly afterKills: (count: number, signal: AbortSignal) => Promise<void>;
  /** Fires when the run stops waiting for lifecycles to finish. */
  readonly signal: AbortSignal;
}

export interface DriverResult {
  readonly serviceId: string;
  readonly completed: boolean;
  /** Why the lifecycle did not complete, with the service's last known state. */
  readonly error: string | null;
  readonly commands: number;
}

/** A resting state the service should reach, or one that says it never will. */
interface Goal {
  readonly what: string;
  readonly reached: (view: ServiceWire) => boolean;
}

const PLAN = 'basic';
const PUBLIC_IP = '203.0.113.10';
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const stateGoal = (state: string): Goal => ({ what: `state ${state}`, reached: (v) => v.state === state && !v.busy });
const domainGoal = (domain: string): Goal => ({ what: `domain ${domain} active`, reached: (v) => v.domains.some((d) => d.domain === domain && d.state === 'active') });
const bothGoals = (a: Goal, b: Goal): Goal => ({ what: `${a.what} and ${b.what}`, reached: (v) => a.reached(v) && b.reached(v) });

/** Resting states that are not what any script asks for: waiting longer will not help. */
function wrong(view: ServiceWire): boolean {
  return view.state === 'failed' || view.domains.some((d) => d.state === 'failed');
}

export async function driveService(script: ServiceScript, deps: DriverDeps): Promise<DriverResult> {
  let commands = 0;
  const { serviceId } = script;

  // Only views read after the last command was answered count: an older one may predate it.
  let answeredAt = 0;
  const reach = async (goal: Goal): Promise<void> => {
    const view = await deps.observer.waitFor(serviceId, (v) => goal.reached(v) || wrong(v), goal.what, answeredAt, deps.signal);
    if (!goal.reached(view)) throw new Error(`${serviceId}: waiting for ${goal.what}, it came to rest elsewhere: ${describe(view)}`);
  };

  const send = async (action: Action, index: number): Promise<Answer> => {
    for (let attempt = 0; ; attempt++) {
      if (deps.signal.aborted) throw new Error(`${serviceId}: the run ended before ${action.kind} was accepted`);
      // A new key per attempt: a repeated key would replay the refusal it was first given.
      const key = `${serviceId}:${index}:${action.kind}:${attempt}`;
      commands++;
      const answer = await deps.client.command(...request(script, action), key);
      const expected = action.kind === 'create' ? [200, 201] : action.kind === 'addDomain' ? [202] : [200];
      if (expected.includes(answer.status)) return answer;
      // The domain route takes only active or suspended services; the view may lag behind.
      if (action.kind === 'addDomain' && answer.status === 409) {
        await pause(500);
        continue;
      }
      throw new Error(`${serviceId}: ${action.kind} answered ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  };

  try {
    await deps.afterKills(script.startAfterKill, deps.signal);
    let previous: Goal | null = null;
    let lifecycle: Goal = stateGoal('active');
    for (const [index, action] of script.actions.entries()) {
      const eager = action.kind !== 'create' && action.kind !== 'addDomain' && action.eager;
      if (previous !== null && !eager) await reach(previous);
      const answer = await send(action, index);
      answeredAt = deps.observer.mark();
      if (action.kind === 'addDomain') {
        const verification = answer.body.verification as { name: string; value: string };
        await deps.sandbox.publishTxt(verification.name, [verification.value]);
        previous = bothGoals(lifecycle, domainGoal(action.domain));
      } else {
        lifecycle = stateGoal(goalOf(action));
        previous = lifecycle;
      }
    }
    const final = stateGoal(script.final);
    await reach(script.domain === null ? final : bothGoals(final, domainGoal(script.domain)));
    return { serviceId, completed: true, error: null, commands };
  } catch (error) {
    return { serviceId, completed: false, error: (error as Error).message, commands };
  }
}

function request(script: ServiceScript, action: Action): [string, unknown] {
  const service_id = script.serviceId;
  switch (action.kind) {
    case 'create':
      return ['/create-site', { service_id, email: script.email, plan: PLAN, public_ip: PUBLIC_IP }];
    case 'suspend':
      return ['/suspend', { service_id }];
    case 'unsuspend':
      return ['/unsuspend', { service_id }];
    case 'delete':
      return ['/delete-site', { service_id }];
    case 'addDomain':
      return ['/customdomain/add', { service_id, domain: action.domain }];
  }
}
