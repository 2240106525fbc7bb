/**
 * One custom domain of a service, spawned by the service machine as a persisted child:
 * prove ownership (TXT) → DNS zone + A record (ISPConfig) → certificate → proxy host →
 * active. A failure parks the domain in `failed` and never touches the site or the other
 * domains; `retry` resumes the failed step. `remove` tears the domain down from any state.
 */
import { assign, setup } from 'xstate';
import { domainEffects } from './effect-contracts.js';
import type { RetryStep } from './retry-policy.js';
import { asStepError, canRetry, clearStep, deadlineOf, scheduleRetry } from './step-retries.js';

export interface DomainInput {
  readonly serviceId: string;
  readonly domain: string;
  readonly token: string;
  readonly publicIp: string;
  readonly privateIp: string;
  /**
   * Epoch ms until which a missing TXT record is looked for again (the configured window).
   * Absent in domains added before the window existed: the step's attempt count applies.
   */
  readonly verifyUntil?: number;
}

export type DomainStep = 'verifyOwnership' | 'dnsZone' | 'certificate' | 'domainProxyHost' | 'removeDomain';

export interface DomainContext extends DomainInput {
  attempts: Record<string, number>;
  deadlines: Record<string, number>;
  failedStep: DomainStep | null;
  error: { readonly code: string; readonly message: string } | null;
}

export type DomainEvent = { readonly type: 'retry' } | { readonly type: 'remove' };

export const domainMachine = setup({
  types: {} as { context: DomainContext; input: DomainInput; events: DomainEvent },
  actors: domainEffects,
  guards: {
    mayRetry: ({ context, event }, params: { step: RetryStep }) =>
      canRetry(context, params.step, (event as { error?: unknown }).error),
    // Ownership is awaited for a window of time, not a number of attempts: customers take hours.
    mayLookAgain: ({ context, event }) => {
      const error = (event as { error?: unknown }).error;
      if (context.verifyUntil === undefined) return canRetry(context, 'verifyOwnership', error);
      return asStepError(error).retryable && Date.now() < context.verifyUntil;
    },
    failedAt: ({ context }, params: { step: DomainStep }) => context.failedStep === params.step,
  },
  actions: {
    scheduleRetry: assign(({ context, event }, params: { step: RetryStep }) =>
      scheduleRetry(context, params.step, Date.now(), (event as { error?: unknown }).error),
    ),
    // The next look, but never after the window closes: the last one happens at its end.
    scheduleLook: assign(({ context, event }) => {
      const book = scheduleRetry(context, 'verifyOwnership', Date.now(), (event as { error?: unknown }).error);
      const until = context.verifyUntil ?? Number.POSITIVE_INFINITY;
      const at = Math.min(book.deadlines.verifyOwnership ?? 0, until);
      const { code, message } = asStepError((event as { error?: unknown }).error);
      return { ...book, deadlines: { ...book.deadlines, verifyOwnership: at }, error: { code, message } };
    }),
    succeeded: assign(({ context }, params: { step: RetryStep }) => ({ ...clearStep(context, params.step), error: null })),
    recordFailure: assign(({ event }, params: { step: DomainStep }) => {
      const { code, message } = asStepError((event as { error?: unknown }).error);
      return { failedStep: params.step, error: { code, message } };
    }),
    clearFailure: assign({ failedStep: null, error: null, attempts: {}, deadlines: {} }),
  },
}).createMachine({
  id: 'domain',
  description: 'A custom domain attached to a site: verified, served and certified, or parked in failed.',
  context: ({ input }) => ({ ...input, attempts: {}, deadlines: {}, failedStep: null, error: null }),
  initial: 'verifying',
  on: { remove: { target: '.removing' } },
  states: {
    verifying: {
      description: 'Wait until the customer has published the TXT record that proves ownership.',
      tags: ['busy'],
      initial: 'checking',
      states: {
        checking: {
          invoke: {
            id: 'verifyOwnership',
            src: 'verifyOwnership',
            input: ({ context }) => ({ serviceId: context.serviceId, domain: context.domain, token: context.token }),
            onDone: { target: '#domain.zone', actions: { type: 'succeeded', params: { step: 'verifyOwnership' } } },
            onError: [
              { guard: 'mayLookAgain', target: 'waiting', actions: 'scheduleLook' },
              { target: '#domain.failed', actions: { type: 'recordFailure', params: { step: 'verifyOwnership' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'verifyOwnershipBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'verifyOwnership'), onDone: 'checking' },
        },
      },
    },
    zone: {
      description: 'Create the DNS zone and its A record in ISPConfig, pointing at the proxy.',
      tags: ['busy'],
      initial: 'running',
      states: {
        running: {
          invoke: {
            id: 'createDnsZone',
            src: 'createDnsZone',
            input: ({ context }) => ({ serviceId: context.serviceId, domain: context.domain, publicIp: context.publicIp, privateIp: context.privateIp }),
            onDone: { target: '#domain.certificate', actions: { type: 'succeeded', params: { step: 'dnsZone' } } },
            onError: [
              { guard: { type: 'mayRetry', params: { step: 'dnsZone' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'dnsZone' } } },
              { target: '#domain.failed', actions: { type: 'recordFailure', params: { step: 'dnsZone' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'dnsZoneBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'dnsZone'), onDone: 'running' },
        },
      },
    },
    certificate: {
      description: "Obtain the domain's Let's Encrypt certificate through the proxy manager.",
      tags: ['busy'],
      initial: 'running',
      states: {
        running: {
          invoke: {
            id: 'issueCertificate',
            src: 'issueCertificate',
            input: ({ context }) => ({ serviceId: context.serviceId, domain: context.domain }),
            onDone: { target: '#domain.proxyHost', actions: { type: 'succeeded', params: { step: 'certificate' } } },
            onError: [
              { guard: { type: 'mayRetry', params: { step: 'certificate' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'certificate' } } },
              { target: '#domain.failed', actions: { type: 'recordFailure', params: { step: 'certificate' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'certificateBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'certificate'), onDone: 'running' },
        },
      },
    },
    proxyHost: {
      description: "Serve the domain: a proxy host forwarding to the site's private IP, with its certificate.",
      tags: ['busy'],
      initial: 'running',
      states: {
        running: {
          invoke: {
            id: 'createDomainProxyHost',
            src: 'createDomainProxyHost',
            input: ({ context }) => ({ serviceId: context.serviceId, domain: context.domain, publicIp: context.publicIp, privateIp: context.privateIp }),
            onDone: { target: '#domain.active', actions: { type: 'succeeded', params: { step: 'domainProxyHost' } } },
            onError: [
              { guard: { type: 'mayRetry', params: { step: 'domainProxyHost' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'domainProxyHost' } } },
              { target: '#domain.failed', actions: { type: 'recordFailure', params: { step: 'domainProxyHost' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'domainProxyHostBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'domainProxyHost'), onDone: 'running' },
        },
      },
    },
    active: {
      description: 'The domain serves the site over HTTPS.',
      tags: ['healthy'],
    },
    failed: {
      description: 'A step failed for good; the site and the other domains are untouched. Retry resumes the failed step.',
      on: {
        retry: [
          { guard: { type: 'failedAt', params: { step: 'verifyOwnership' } }, target: 'verifying', actions: 'clearFailure' },
          { guard: { type: 'failedAt', params: { step: 'dnsZone' } }, target: 'zone', actions: 'clearFailure' },
          { guard: { type: 'failedAt', params: { step: 'certificate' } }, target: 'certificate', actions: 'clearFailure' },
          { guard: { type: 'failedAt', params: { step: 'removeDomain' } }, target: 'removing', actions: 'clearFailure' },
          { target: 'proxyHost', actions: 'clearFailure' },
        ],
      },
    },
    removing: {
      description: 'Remove the proxy host, certificate and DNS zone of this domain (only ours).',
      tags: ['busy'],
      initial: 'running',
      on: { remove: { description: 'Already removing.' } },
      states: {
        running: {
          invoke: {
            id: 'removeDomain',
            src: 'removeDomain',
            input: ({ context }) => ({ serviceId: context.serviceId, domain: context.domain }),
            onDone: { target: '#domain.removed', actions: { type: 'succeeded', params: { step: 'removeDomain' } } },
            onError: [
              { guard: { type: 'mayRetry', params: { step: 'removeDomain' } }, target: 'waiting', actions: { type: 'scheduleRetry', params: { step: 'removeDomain' } } },
              { target: '#domain.failed', actions: { type: 'recordFailure', params: { step: 'removeDomain' } } },
            ],
          },
        },
        waiting: {
          invoke: { id: 'removeDomainBackoff', src: 'sleepUntil', input: ({ context }) => deadlineOf(context, 'removeDomain'), onDone: 'running' },
        },
      },
    },
    removed: {
      description: 'Nothing of this domain is left outside provisiond.',
      type: 'final',
    },
  },
});
