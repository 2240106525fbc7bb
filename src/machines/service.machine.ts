/**
 * The lifecycle of one hosted WordPress site, one persisted actor per Paymenter service:
 *
 *   pending → allocating → provisioning → active ⇄ suspended → deleting → deleted
 *                    ↘           ↘                            ↗
 *                     failed ← compensating        (delete is accepted from any state)
 *
 * Pure: every effect is an invoked actor named in `setup({ actors })` and provided by
 * src/actors. Every invoke has an explicit id, every wait is a durable deadline in context
 * (never `after:`), and every persisted name here is a contract (see service.types.ts).
 */
import { and, assign, enqueueActions, not, setup, spawnChild, sendTo } from 'xstate';
import { domainMachine } from './domain.machine.js';
import { serviceEffects } from './effect-contracts.js';
import type { RetryStep } from './retry-policy.js';
import { asStepError, canRetry, clearStep, deadlineOf, scheduleRetry } from './step-retries.js';
import type { Phase, PlanChange, ProvisionStep, ServiceContext, ServiceEvent, ServiceInput } from './service.types.js';
import { containerOf, domainChildId, domainFromChildId, domainFromDoneEvent, siteOf } from './service.views.js';

/** Seconds a container gets to shut down cleanly before it is stopped by force. */
export const GRACEFUL_SHUTDOWN_SECONDS = 60;

type StepParams = { step: RetryStep };
type FailureParams = { phase: Phase; step: string };

/** Phases that fail after the site was built: the operator commands may repair from there. */
const SITE_BUILT_PHASES: readonly Phase[] = ['suspending', 'resuming', 'reinstalling', 'restoring', 'resizing'];

const errorOf = (event: unknown): unknown => (event as { error?: unknown }).error;

export const serviceMachine = setup({
  types: {} as { context: ServiceContext; input: ServiceInput; events: ServiceEvent },
  actors: { ...serviceEffects, domain: domainMachine },
  guards: {
    mayRetry: ({ context, event }, params: StepParams) => canRetry(context, params.step, errorOf(event)),
    wantsSuspended: ({ context }) => context.desired === 'suspended',
    wantsRunning: ({ context }) => context.desired === 'running',
    ledgerEmpty: ({ context }) => context.ledger.length === 0,
    hasAllocation: ({ context }) => context.allocation !== null,
    failedIn: ({ context }, params: { phase: Phase }) => context.failure?.phase === params.phase,
    resizeUnfinished: ({ context }) => context.failure?.phase === 'resizing' && context.planChange !== null && context.planChange !== undefined,
    domainUnknown: ({ context, event }) => event.type === 'domain.add' && !(event.domain in context.domains),
    withinQuota: ({ context }) => Object.keys(context.domains).length < context.domainQuota,
    domainKnown: ({ context, event }) => event.type === 'domain.remove' && event.domain in context.domains,
    domainFailed: ({ context, event }) => event.type === 'domain.retry' && context.domains[event.domain]?.state === 'failed',
    hasInitialSnapshot: ({ context }) => context.initialSnapshot === true,
    siteBuilt: ({ context }) => context.failure !== null && SITE_BUILT_PHASES.includes(context.failure.phase),
    domainRemoved: ({ context, event }) => {
      const domain = domainFromDoneEvent(event.type);
      return domain !== null && domain in context.domains;
    },
  },
  actions: {
    begin: assign(({ context }, params: { step: ProvisionStep }) => ({
      ledger: context.ledger.includes(params.step) ? context.ledger : [...context.ledger, params.step],
    })),
    // A parallel region's success must not hide the error of a step still backing off.
    succeeded: assign(({ context }, params: StepParams) => {
      const book = clearStep(context, params.step);
      return { ...book, lastError: Object.keys(book.deadlines).length === 0 ? null : context.lastError };
    }),
    scheduleRetry: assign(({ context, event }, params: StepParams) => ({
      ...scheduleRetry(context, params.step, Date.now(), errorOf(event)),
      lastError: asStepError(errorOf(event)),
    })),
    recordFailure: assign(({ event }, params: FailureParams) => {
      const { code, message } = asStepError(errorOf(event));
      return { failure: { phase: params.phase, step: params.step, code, message, at: Date.now() }, lastError: null };
    }),
    startPhase: assign({ attempts: {}, deadlines: {}, lastError: null }),
    clearFailure: assign({ failure: null, compensationErrors: [], attempts: {}, deadlines: {}, lastError: null }),
    storeAllocation: assign({ allocation: ({ event }) => (event as unknown as { output: ServiceContext['allocation'] }).output }),
    storeNode: assign({ node: ({ event }) => (event as unknown as { output: { node: string } }).output.node }),
    popLedger: assign(({ context }) => {
      const undone = context.ledger[context.ledger.length - 1];
      return { ledger: context.ledger.slice(0, -1), ...(undone === 'snapshot' ? { initialSnapshot: false } : {}) };
    }),
    markSnapshot: assign({ initialSnapshot: true }),
    forgetSnapshot: assign({ initialSnapshot: false }),
    holdPlanChange: assign({
      planChange: ({ event }) => {
        if (event.type !== 'changePlan') return null;
        const { plan, resources, domainQuota } = event;
        return { plan, resources, domainQuota } satisfies PlanChange;
      },
    }),
    applyPlanChange: assign(({ context }) => {
      const change = context.planChange;
      if (change === null || change === undefined) return {};
      return { plan: change.plan, resources: change.resources, domainQuota: change.domainQuota, planChange: null };
    }),
    retryDomain: sendTo(({ event }) => domainChildId(event.type === 'domain.retry' ? event.domain : ''), { type: 'retry' }),
    recordUndoFailure: assign(({ context, event }) => {
      const step = context.ledger[context.ledger.length - 1];
      if (step === undefined) return {};
      const { code, message } = asStepError(errorOf(event));
      return { compensationErrors: [...context.compensationErrors, { step, code, message }] };
    }),
    wantSuspended: assign({ desired: 'suspended' as const }),
    wantRunning: assign({ desired: 'running' as const }),
    attachDomain: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'domain.add' || context.allocation === null) return;
      enqueue(
        spawnChild('domain', {
          id: domainChildId(event.domain),
          syncSnapshot: true,
          input: {
            serviceId: context.serviceId,
            domain: event.domain,
            token: event.token,
            publicIp: context.publicIp,
            privateIp: context.allocation.privateIp,
            ...(event.verifyUntil === undefined ? {} : { verifyUntil: event.verifyUntil }),
          },
        }),
      );
      const entry = { state: 'verifying', token: event.token, error: null, ...(event.verifyUntil === undefined ? {} : { verifyUntil: event.verifyUntil }) };
      enqueue.assign({ domains: { ...context.domains, [event.domain]: entry } });
    }),
    detachDomain: sendTo(({ event }) => domainChildId(event.type === 'domain.remove' ? event.domain : ''), { type: 'remove' }),
    syncDomain: enqueueActions(({ context, event, enqueue }) => {
      const domain = domainFromChildId(event.type);
      const entry = domain === null ? undefined : context.domains[domain];
      if (domain === null || entry === undefined) return;
      // Only active snapshots are relayed; the final one arrives as xstate.done.actor (forgetDomain).
      const child = event as unknown as { snapshot: { value: unknown; context?: { error: { code: string; message: string } | null } } };
      const value = child.snapshot.value;
      const state = typeof value === 'string' ? value : Object.keys(value as object)[0] ?? 'unknown';
      enqueue.assign({ domains: { ...context.domains, [domain]: { ...entry, state, error: child.snapshot.context?.error ?? null } } });
    }),
    forgetDomain: enqueueActions(({ context, event, enqueue }) => {
      const domain = domainFromDoneEvent(event.type);
      if (domain === null) return;
      const { [domain]: _removed, ...rest } = context.domains;
      enqueue.stopChild(domainChildId(domain));
      enqueue.assign({ domains: rest });
    }),
    stopDomains: enqueueActions(({ context, enqueue }) => {
      for (const domain of Object.keys(context.domains)) enqueue.stopChild(domainChildId(domain));
    }),
  },
}).createMachine({
  id: 'service',
  description: 'One hosted WordPress site, from payment to deletion.',
  context: ({ input }) => ({
    ...input,
    allocation: null,
    node: null,
    ledger: [],
    attempts: {},
    deadlines: {},
    desired: 'running',
    failure: null,
    lastError: null,
    compensationErrors: [],
    domains: {},
    initialSnapshot: false,
    planChange: null,
  }),
  initial: 'pending',
  on: {
    delete: { target: '.deleting', description: 'Delete is accepted in every state; in-flight work is cancelled.' },
    'xstate.snapshot.*': { actions: 'syncDomain', description: 'A custom domain child moved: keep its state in context.' },
    'xstate.done.actor.*': { guard: 'domainRemoved', actions: 'forgetDomain', description: 'A custom domain child was removed: forget it.' },
  },
  states: {
    pending: {
      description: 'The service is recorded; waiting for the create event.',
      on: {
        create: { target: 'allocating' },
        suspend: { actions: 'wantSuspended' },
        unsuspend: { actions: 'wantRunning' },
      },
    },
    allocating: {
      description: 'Hold a subdomain, a private IP and a VMID for this service (one database transaction).',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended' },
        unsuspend: { actions: 'wantRunning' },
      },
      initial: 'running',
      states: {
        running: {
          invoke: {
            id: 'allocate',
            src: 'allocate',
            input: ({ context }) => ({ serviceId: context.serviceId }),
            onDone: { target: '#service.provisioning', actions: ['storeAllocation', { type: 'succeeded', params: { step: 'allocate' } }] },
            onError: [
              { guard: { type: 'mayRetry', params: { step: 'allocate' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'allocate' } } },
              { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'allocating', step: 'allocate' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'allocateBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'allocate'), onDone: 'running' },
        },
      },
    },
    provisioning: {
      description: 'Build the site: container chain in parallel with DNS and proxy host, then check it answers and snapshot it.',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended', description: 'Remembered and applied when provisioning ends.' },
        unsuspend: { actions: 'wantRunning' },
      },
      initial: 'building',
      onDone: [{ guard: 'wantsSuspended', target: 'suspending' }, { target: 'active' }],
      states: {
        building: {
          description: 'Create the container chain, the DNS record and the proxy host, each region retrying on its own.',
          type: 'parallel',
          onDone: 'finishing',
          states: {
            site: {
              description: 'Container → HA → ready → WordPress → verified.',
              initial: 'container',
              states: {
                container: {
                  description: 'Create the unprivileged LXC container on Proxmox and boot it.',
                  entry: { type: 'begin', params: { step: 'container' } },
                  initial: 'running',
                  states: {
                    running: {
                      invoke: {
                        id: 'createContainer',
                        src: 'createContainer',
                        input: ({ context }) => {
                          const site = siteOf(context);
                          return { ...containerOf(context), hostname: site.fqdn, privateIp: site.privateIp, resources: context.resources };
                        },
                        onDone: { target: '#service.provisioning.building.site.ha', actions: ['storeNode', { type: 'succeeded', params: { step: 'container' } }] },
                        onError: [
                          { guard: { type: 'mayRetry', params: { step: 'container' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'container' } } },
                          { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'container' } } },
                        ],
                      },
                    },
                    waiting: {
                      invoke: { id: 'containerBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'container'), onDone: 'running' },
                    },
                  },
                },
                ha: {
                  description: 'Register the container with HA (3 restarts, 2 relocations) and its node rule.',
                  entry: { type: 'begin', params: { step: 'ha' } },
                  initial: 'running',
                  states: {
                    running: {
                      invoke: {
                        id: 'registerHa',
                        src: 'registerHa',
                        input: ({ context }) => containerOf(context),
                        onDone: { target: '#service.provisioning.building.site.ready', actions: { type: 'succeeded', params: { step: 'ha' } } },
                        onError: [
                          { guard: { type: 'mayRetry', params: { step: 'ha' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'ha' } } },
                          { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'ha' } } },
                        ],
                      },
                    },
                    waiting: {
                      invoke: { id: 'haBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'ha'), onDone: 'running' },
                    },
                  },
                },
                ready: {
                  description: 'Poll the container with a trivial command until it answers (every 5 s, 6 tries).',
                  initial: 'running',
                  states: {
                    running: {
                      invoke: {
                        id: 'awaitReady',
                        src: 'awaitReady',
                        input: ({ context }) => containerOf(context),
                        onDone: { target: '#service.provisioning.building.site.install', actions: { type: 'succeeded', params: { step: 'ready' } } },
                        onError: [
                          { guard: { type: 'mayRetry', params: { step: 'ready' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'ready' } } },
                          { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'ready' } } },
                        ],
                      },
                    },
                    waiting: {
                      invoke: { id: 'readyBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'ready'), onDone: 'running' },
                    },
                  },
                },
                install: {
                  description: 'Run the WordPress installer inside the container (pct exec over SSH).',
                  initial: 'running',
                  states: {
                    running: {
                      invoke: {
                        id: 'installWordPress',
                        src: 'installWordPress',
                        input: ({ context }) => ({ ...containerOf(context), fqdn: siteOf(context).fqdn }),
                        onDone: { target: '#service.provisioning.building.site.verify', actions: { type: 'succeeded', params: { step: 'install' } } },
                        onError: [
                          { guard: { type: 'mayRetry', params: { step: 'install' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'install' } } },
                          { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'install' } } },
                        ],
                      },
                    },
                    waiting: {
                      invoke: { id: 'installBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'install'), onDone: 'running' },
                    },
                  },
                },
                verify: {
                  description: 'Check wp-config.php exists and WordPress answers inside the container.',
                  initial: 'running',
                  states: {
                    running: {
                      invoke: {
                        id: 'verifyInstall',
                        src: 'verifyInstall',
                        input: ({ context }) => ({ ...containerOf(context), fqdn: siteOf(context).fqdn }),
                        onDone: { target: '#service.provisioning.building.site.done', actions: { type: 'succeeded', params: { step: 'verify' } } },
                        onError: [
                          { guard: { type: 'mayRetry', params: { step: 'verify' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'verify' } } },
                          { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'verify' } } },
                        ],
                      },
                    },
                    waiting: {
                      invoke: { id: 'verifyBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'verify'), onDone: 'running' },
                    },
                  },
                },
                done: { type: 'final' },
              },
            },
            dnsRecord: {
              description: 'Create the A record <subdomain> → public IP (Cloudflare), in parallel with the container.',
              entry: { type: 'begin', params: { step: 'dnsRecord' } },
              initial: 'running',
              states: {
                running: {
                  invoke: {
                    id: 'createDnsRecord',
                    src: 'createDnsRecord',
                    input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn, publicIp: context.publicIp }),
                    onDone: { target: 'done', actions: { type: 'succeeded', params: { step: 'dnsRecord' } } },
                    onError: [
                      { guard: { type: 'mayRetry', params: { step: 'dnsRecord' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'dnsRecord' } } },
                      { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'dnsRecord' } } },
                    ],
                  },
                },
                waiting: {
                  invoke: { id: 'dnsRecordBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'dnsRecord'), onDone: 'running' },
                },
                done: { type: 'final' },
              },
            },
            proxyHost: {
              description: "Create the proxy host and its Let's Encrypt certificate (Nginx Proxy Manager), in parallel with the container.",
              entry: { type: 'begin', params: { step: 'proxyHost' } },
              initial: 'running',
              states: {
                running: {
                  invoke: {
                    id: 'createProxyHost',
                    src: 'createProxyHost',
                    input: ({ context }) => {
                      const site = siteOf(context);
                      return { serviceId: context.serviceId, fqdn: site.fqdn, privateIp: site.privateIp };
                    },
                    onDone: { target: 'done', actions: { type: 'succeeded', params: { step: 'proxyHost' } } },
                    onError: [
                      { guard: { type: 'mayRetry', params: { step: 'proxyHost' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'proxyHost' } } },
                      { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'proxyHost' } } },
                    ],
                  },
                },
                waiting: {
                  invoke: { id: 'proxyHostBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'proxyHost'), onDone: 'running' },
                },
                done: { type: 'final' },
              },
            },
          },
        },
        finishing: {
          type: 'parallel',
          description: 'The site must answer through the proxy; the initial snapshot is taken alongside.',
          onDone: 'done',
          states: {
            live: {
              description: 'The site must answer over HTTPS through the proxy.',
              initial: 'running',
              states: {
                running: {
                  invoke: {
                    id: 'checkLive',
                    src: 'checkLive',
                    input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn }),
                    onDone: { target: 'done', actions: { type: 'succeeded', params: { step: 'live' } } },
                    onError: [
                      { guard: { type: 'mayRetry', params: { step: 'live' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'live' } } },
                      { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'live' } } },
                    ],
                  },
                },
                waiting: {
                  invoke: { id: 'liveBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'live'), onDone: 'running' },
                },
                done: { type: 'final' },
              },
            },
            snapshot: {
              description: 'Take the "initial" snapshot: the clean rollback point.',
              entry: { type: 'begin', params: { step: 'snapshot' } },
              initial: 'running',
              states: {
                running: {
                  invoke: {
                    id: 'takeSnapshot',
                    src: 'takeSnapshot',
                    input: ({ context }) => containerOf(context),
                    onDone: { target: 'done', actions: ['markSnapshot', { type: 'succeeded', params: { step: 'snapshot' } }] },
                    onError: [
                      { guard: { type: 'mayRetry', params: { step: 'snapshot' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'snapshot' } } },
                      { target: '#service.compensating', actions: { type: 'recordFailure', params: { phase: 'provisioning', step: 'snapshot' } } },
                    ],
                  },
                },
                waiting: {
                  invoke: { id: 'snapshotBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'snapshot'), onDone: 'running' },
                },
                done: { type: 'final' },
              },
            },
          },
        },
        done: { type: 'final' },
      },
    },
    compensating: {
      description: 'Undo the provisioning steps begun, newest first; a failed inverse is recorded and passed.',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended' },
        unsuspend: { actions: 'wantRunning' },
      },
      initial: 'next',
      states: {
        next: {
          description: 'Pick the newest step still in the ledger, or finish in failed when none is left.',
          always: [{ guard: 'ledgerEmpty', target: '#service.failed' }, { target: 'undoing' }],
        },
        undoing: {
          description: 'Run the inverse of the newest ledger step.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'undoStep',
                src: 'undoStep',
                input: ({ context }) => ({ ...containerOf(context), fqdn: siteOf(context).fqdn, step: context.ledger[context.ledger.length - 1] ?? 'container' }),
                onDone: { target: '#service.compensating.next', actions: [{ type: 'succeeded', params: { step: 'undo' } }, 'popLedger'] },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'undo' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'undo' } } },
                  { target: '#service.compensating.next', actions: ['recordUndoFailure', 'popLedger', { type: 'succeeded', params: { step: 'undo' } }] },
                ],
              },
            },
            waiting: {
              invoke: { id: 'undoBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'undo'), onDone: 'running' },
            },
          },
        },
      },
    },
    failed: {
      description: 'A phase failed for good (see context.failure). Retry re-enters the phase; idempotent effects adopt what exists.',
      on: {
        retry: [
          { guard: { type: 'failedIn', params: { phase: 'allocating' } }, target: 'allocating', actions: 'clearFailure' },
          { guard: { type: 'failedIn', params: { phase: 'provisioning' } }, target: 'provisioning', actions: 'clearFailure' },
          { guard: { type: 'failedIn', params: { phase: 'suspending' } }, target: 'suspending', actions: 'clearFailure' },
          { guard: { type: 'failedIn', params: { phase: 'resuming' } }, target: 'resuming', actions: 'clearFailure' },
          { guard: { type: 'failedIn', params: { phase: 'reinstalling' } }, target: 'reinstalling', actions: 'clearFailure' },
          { guard: { type: 'failedIn', params: { phase: 'restoring' } }, target: 'restoring', actions: 'clearFailure' },
          { guard: 'resizeUnfinished', target: 'resizing', actions: 'clearFailure' },
          { guard: { type: 'failedIn', params: { phase: 'deleting' } }, target: 'deleting', actions: 'clearFailure' },
        ],
        suspend: { actions: 'wantSuspended' },
        unsuspend: { actions: 'wantRunning' },
        reinstall: { guard: 'siteBuilt', target: 'reinstalling', actions: 'clearFailure', description: 'Repair a built site that failed: a fresh WordPress.' },
        restore: { guard: and(['siteBuilt', 'hasInitialSnapshot']), target: 'restoring', actions: 'clearFailure', description: 'Repair a built site that failed: back to the initial snapshot.' },
      },
    },
    active: {
      description: 'The site is live and answers through the proxy.',
      tags: ['healthy'],
      on: {
        suspend: { target: 'suspending', actions: 'wantSuspended' },
        unsuspend: { actions: 'wantRunning', description: 'Already running.' },
        'domain.add': { guard: and(['domainUnknown', 'withinQuota']), actions: 'attachDomain' },
        'domain.remove': { guard: 'domainKnown', actions: 'detachDomain' },
        'domain.retry': { guard: 'domainFailed', actions: 'retryDomain' },
        reinstall: { target: 'reinstalling', description: 'Operator: replace WordPress with a fresh install.' },
        restore: { guard: 'hasInitialSnapshot', target: 'restoring', description: 'Operator: roll the container back to the initial snapshot.' },
        changePlan: { target: 'resizing', actions: 'holdPlanChange', description: "Paymenter's upgrade: resize memory, CPU and disk." },
      },
    },
    reinstalling: {
      description: 'A fresh WordPress in the same container (files and database replaced), verified and answering again.',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended', description: 'Applied when the reinstall has finished.' },
        unsuspend: { actions: 'wantRunning' },
      },
      initial: 'installing',
      onDone: [{ guard: 'wantsSuspended', target: 'suspending' }, { target: 'active' }],
      states: {
        installing: {
          description: 'Run the installer in reinstall mode: old files and database go, a new install takes their place.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'reinstallWordPress',
                src: 'reinstallWordPress',
                input: ({ context }) => ({ ...containerOf(context), fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.reinstalling.verifying', actions: { type: 'succeeded', params: { step: 'reinstall' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'reinstall' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'reinstall' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'reinstalling', step: 'reinstall' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'reinstallBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'reinstall'), onDone: 'running' },
            },
          },
        },
        verifying: {
          description: 'Check wp-config.php exists and WordPress answers inside the container.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'verifyReinstall',
                src: 'verifyInstall',
                input: ({ context }) => ({ ...containerOf(context), fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.reinstalling.answering', actions: { type: 'succeeded', params: { step: 'verify' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'verify' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'verify' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'reinstalling', step: 'verify' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'verifyReinstallBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'verify'), onDone: 'running' },
            },
          },
        },
        answering: {
          description: 'Wait until the site answers through the proxy again.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'checkLiveAfterReinstall',
                src: 'checkLive',
                input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.reinstalling.done', actions: { type: 'succeeded', params: { step: 'live' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'live' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'live' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'reinstalling', step: 'live' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'liveAfterReinstallBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'live'), onDone: 'running' },
            },
          },
        },
        done: { type: 'final' },
      },
    },
    restoring: {
      description: 'Roll the container back to the "initial" snapshot, start it, and wait until the site answers.',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended', description: 'Applied when the restore has finished.' },
        unsuspend: { actions: 'wantRunning' },
      },
      initial: 'rollingBack',
      onDone: [{ guard: 'wantsSuspended', target: 'suspending' }, { target: 'active' }],
      states: {
        rollingBack: {
          description: 'Proxmox rollback to "initial"; the container runs again afterwards.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'restoreSnapshot',
                src: 'restoreSnapshot',
                input: ({ context }) => containerOf(context),
                onDone: { target: '#service.restoring.reapplyingPlan', actions: { type: 'succeeded', params: { step: 'restore' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'restore' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'restore' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'restoring', step: 'restore' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'restoreBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'restore'), onDone: 'running' },
            },
          },
        },
        reapplyingPlan: {
          description: "A rollback brings back the snapshot's memory, cores and disk: set the current plan's again (a no-op when unchanged).",
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'resizeAfterRestore',
                src: 'resizeContainer',
                input: ({ context }) => ({ ...containerOf(context), ...context.resources }),
                onDone: { target: '#service.restoring.answering', actions: { type: 'succeeded', params: { step: 'resize' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'resize' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'resize' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'restoring', step: 'resize' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'resizeAfterRestoreBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'resize'), onDone: 'running' },
            },
          },
        },
        answering: {
          description: 'Wait until the restored site answers through the proxy.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'checkLiveAfterRestore',
                src: 'checkLive',
                input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.restoring.done', actions: { type: 'succeeded', params: { step: 'live' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'live' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'live' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'restoring', step: 'live' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'liveAfterRestoreBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'live'), onDone: 'running' },
            },
          },
        },
        done: { type: 'final' },
      },
    },
    resizing: {
      description: "Apply a plan change (Paymenter's upgrade): memory and CPU, and the disk, which only grows.",
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended', description: 'Applied when the resize has finished.' },
        unsuspend: { actions: 'wantRunning', description: 'Applied when the resize has finished.' },
      },
      initial: 'running',
      // A suspended service is resized while stopped and goes back down (suspending is a no-op then).
      onDone: [{ guard: 'wantsSuspended', target: 'suspending' }, { target: 'resuming' }],
      states: {
        running: {
          invoke: {
            id: 'resizeContainer',
            src: 'resizeContainer',
            input: ({ context }) => ({ ...containerOf(context), ...(context.planChange?.resources ?? context.resources) }),
            onDone: { target: 'done', actions: ['applyPlanChange', { type: 'succeeded', params: { step: 'resize' } }] },
            onError: [
              { guard: { type: 'mayRetry', params: { step: 'resize' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'resize' } } },
              { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'resizing', step: 'resize' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'resizeBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'resize'), onDone: 'running' },
        },
        done: { type: 'final' },
      },
    },
    suspending: {
      description: 'Shut the container down gracefully, by force after a timeout; it must stay down.',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended', description: 'Already suspending.' },
        unsuspend: { actions: 'wantRunning', description: 'Applied when the shutdown has finished.' },
      },
      initial: 'shuttingDown',
      onDone: [{ guard: 'wantsRunning', target: 'resuming' }, { target: 'suspended' }],
      states: {
        shuttingDown: {
          description: 'Ask the container to shut down cleanly within the grace period; any failure, timeout included, falls back to a forced stop.',
          invoke: {
            id: 'shutdownContainer',
            src: 'shutdownContainer',
            input: ({ context }) => ({ ...containerOf(context), timeoutSeconds: GRACEFUL_SHUTDOWN_SECONDS }),
            onDone: 'done',
            onError: 'forcingStop',
          },
        },
        forcingStop: {
          description: 'The clean shutdown failed or timed out: stop the container by force.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'stopContainer',
                src: 'stopContainer',
                input: ({ context }) => containerOf(context),
                onDone: { target: '#service.suspending.done', actions: { type: 'succeeded', params: { step: 'forceStop' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'forceStop' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'forceStop' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'suspending', step: 'forceStop' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'forceStopBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'forceStop'), onDone: 'running' },
            },
          },
        },
        done: { type: 'final' },
      },
    },
    suspended: {
      description: 'The container is stopped and stays stopped; data is preserved.',
      on: {
        unsuspend: { target: 'resuming', actions: 'wantRunning' },
        suspend: { actions: 'wantSuspended', description: 'Already suspended.' },
        'domain.add': { guard: and(['domainUnknown', 'withinQuota']), actions: 'attachDomain' },
        'domain.remove': { guard: 'domainKnown', actions: 'detachDomain' },
        'domain.retry': { guard: 'domainFailed', actions: 'retryDomain' },
        changePlan: { target: 'resizing', actions: 'holdPlanChange', description: 'Resized while stopped; it stays suspended.' },
      },
    },
    resuming: {
      description: 'Start the container and wait until the site answers through the proxy again.',
      tags: ['busy'],
      entry: 'startPhase',
      on: {
        suspend: { actions: 'wantSuspended', description: 'Applied when the start has finished.' },
        unsuspend: { actions: 'wantRunning', description: 'Already resuming.' },
      },
      initial: 'starting',
      onDone: [{ guard: 'wantsSuspended', target: 'suspending' }, { target: 'active' }],
      states: {
        starting: {
          description: 'Start the container again.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'startContainer',
                src: 'startContainer',
                input: ({ context }) => containerOf(context),
                onDone: { target: '#service.resuming.answering', actions: { type: 'succeeded', params: { step: 'start' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'start' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'start' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'resuming', step: 'start' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'startBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'start'), onDone: 'running' },
            },
          },
        },
        answering: {
          description: 'Wait until the site answers through the proxy again.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'checkLiveAfterStart',
                src: 'checkLive',
                input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.resuming.done', actions: { type: 'succeeded', params: { step: 'live' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'live' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'live' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'resuming', step: 'live' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'liveAfterStartBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'live'), onDone: 'running' },
            },
          },
        },
        done: { type: 'final' },
      },
    },
    deleting: {
      description: 'Remove everything, in the workflow order; every step tolerates "already gone". The audit trail stays.',
      tags: ['busy'],
      entry: ['clearFailure', 'stopDomains'],
      on: {
        delete: { description: 'Already deleting.' },
      },
      initial: 'checking',
      onDone: 'deleted',
      states: {
        checking: {
          description: 'Nothing outside provisiond exists before allocation: go straight to releasing.',
          always: [{ guard: not('hasAllocation'), target: 'releasingAllocation' }, { target: 'stopping' }],
        },
        stopping: {
          description: 'Stop the container: gracefully, then by force.',
          initial: 'graceful',
          states: {
            graceful: {
              description: 'Ask the container to shut down cleanly within the grace period.',
              invoke: {
                id: 'deleteShutdownContainer',
                src: 'shutdownContainer',
                input: ({ context }) => ({ ...containerOf(context), timeoutSeconds: GRACEFUL_SHUTDOWN_SECONDS }),
                onDone: '#service.deleting.removingHa',
                onError: 'forced',
              },
            },
            forced: {
              description: 'The clean shutdown failed or timed out: stop the container by force.',
              initial: 'running',
              states: {
                running: {
                  invoke: {
                    id: 'deleteStopContainer',
                    src: 'stopContainer',
                    input: ({ context }) => containerOf(context),
                    onDone: { target: '#service.deleting.removingHa', actions: { type: 'succeeded', params: { step: 'forceStop' } } },
                    onError: [
                      { guard: { type: 'mayRetry', params: { step: 'forceStop' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'forceStop' } } },
                      { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'forceStop' } } },
                    ],
                  },
                },
                waiting: {
                  invoke: { id: 'deleteForceStopBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'forceStop'), onDone: 'running' },
                },
              },
            },
          },
        },
        removingHa: {
          description: 'Remove the HA resource and its rule.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'removeHa',
                src: 'removeHa',
                input: ({ context }) => containerOf(context),
                onDone: { target: '#service.deleting.deletingSnapshots', actions: { type: 'succeeded', params: { step: 'removeHa' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'removeHa' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'removeHa' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'removeHa' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'removeHaBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'removeHa'), onDone: 'running' },
            },
          },
        },
        deletingSnapshots: {
          description: "Delete the container's snapshots.",
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'deleteSnapshots',
                src: 'deleteSnapshots',
                input: ({ context }) => containerOf(context),
                onDone: { target: '#service.deleting.destroyingContainer', actions: ['forgetSnapshot', { type: 'succeeded', params: { step: 'deleteSnapshots' } }] },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'deleteSnapshots' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'deleteSnapshots' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'deleteSnapshots' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'deleteSnapshotsBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'deleteSnapshots'), onDone: 'running' },
            },
          },
        },
        destroyingContainer: {
          description: 'Destroy the container and its disk (purge).',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'destroyContainer',
                src: 'destroyContainer',
                input: ({ context }) => containerOf(context),
                onDone: { target: '#service.deleting.deletingDnsRecord', actions: { type: 'succeeded', params: { step: 'destroyContainer' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'destroyContainer' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'destroyContainer' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'destroyContainer' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'destroyContainerBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'destroyContainer'), onDone: 'running' },
            },
          },
        },
        deletingDnsRecord: {
          description: "Delete the site's DNS record (only ours).",
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'deleteDnsRecord',
                src: 'deleteDnsRecord',
                input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.deleting.deletingProxyHost', actions: { type: 'succeeded', params: { step: 'deleteDnsRecord' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'deleteDnsRecord' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'deleteDnsRecord' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'deleteDnsRecord' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'deleteDnsRecordBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'deleteDnsRecord'), onDone: 'running' },
            },
          },
        },
        deletingProxyHost: {
          description: "Delete the site's proxy host and certificate (only ours).",
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'deleteProxyHost',
                src: 'deleteProxyHost',
                input: ({ context }) => ({ serviceId: context.serviceId, fqdn: siteOf(context).fqdn }),
                onDone: { target: '#service.deleting.purgingDomains', actions: { type: 'succeeded', params: { step: 'deleteProxyHost' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'deleteProxyHost' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'deleteProxyHost' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'deleteProxyHost' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'deleteProxyHostBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'deleteProxyHost'), onDone: 'running' },
            },
          },
        },
        purgingDomains: {
          description: 'Remove every custom domain: proxy hosts, certificates, DNS zones.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'purgeDomains',
                src: 'purgeDomains',
                input: ({ context }) => ({ serviceId: context.serviceId, domains: Object.keys(context.domains) }),
                onDone: { target: '#service.deleting.releasingAllocation', actions: [{ type: 'succeeded', params: { step: 'purgeDomains' } }, assign({ domains: {} })] },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'purgeDomains' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'purgeDomains' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'purgeDomains' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'purgeDomainsBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'purgeDomains'), onDone: 'running' },
            },
          },
        },
        releasingAllocation: {
          description: 'Give the IP, VMID and subdomain back to the pools; the service record stays for audit.',
          initial: 'running',
          states: {
            running: {
              invoke: {
                id: 'releaseAllocation',
                src: 'releaseAllocation',
                input: ({ context }) => ({ serviceId: context.serviceId }),
                onDone: { target: '#service.deleting.done', actions: { type: 'succeeded', params: { step: 'release' } } },
                onError: [
                  { guard: { type: 'mayRetry', params: { step: 'release' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'release' } } },
                  { target: '#service.failed', actions: { type: 'recordFailure', params: { phase: 'deleting', step: 'release' } } },
                ],
              },
            },
            waiting: {
              invoke: { id: 'releaseBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'release'), onDone: 'running' },
            },
          },
        },
        done: { type: 'final' },
      },
    },
    deleted: {
      description: 'Nothing is left outside provisiond; the record and its transitions stay for audit.',
      type: 'final',
    },
  },
});

export type ServiceMachine = typeof serviceMachine;
