/**
 * The typed seams between the lifecycle machines and the outside world. Each invoked effect
 * has a JSON-only, secret-free input (XState persists it verbatim and re-runs it on restore)
 * and a typed output. The machines ship with placeholders that reject with
 * EFFECT_UNAVAILABLE; src/actors provides the real implementations with `.provide()`.
 */
import { fromPromise } from 'xstate';
import type { StepError } from '../domain/step-error.js';
import type { Allocation, Resources } from './service.types.js';

export interface ServiceRef {
  readonly serviceId: string;
}
export interface ContainerRef extends ServiceRef {
  readonly vmid: number;
}
export interface SiteRef extends ServiceRef {
  readonly fqdn: string;
}

export interface CreateContainerInput extends ContainerRef {
  readonly hostname: string;
  readonly privateIp: string;
  readonly resources: Resources;
}
export interface DnsRecordInput extends SiteRef {
  readonly publicIp: string;
}
export interface ProxyHostInput extends SiteRef {
  readonly privateIp: string;
}
export interface ShutdownInput extends ContainerRef {
  /** Seconds to wait for a clean shutdown before the effect gives up with SHUTDOWN_TIMEOUT. */
  readonly timeoutSeconds: number;
}
export interface ResizeInput extends ContainerRef, Resources {}
export interface DomainPurgeInput extends ServiceRef {
  readonly domains: readonly string[];
}
/** What compensation asks for: the inverse of one provisioning step. */
export interface UndoInput extends ServiceRef {
  readonly step: 'container' | 'ha' | 'dnsRecord' | 'proxyHost' | 'snapshot';
  readonly vmid: number;
  readonly fqdn: string;
}

export interface DomainRef extends ServiceRef {
  readonly domain: string;
}
export interface DomainVerifyInput extends DomainRef {
  readonly token: string;
}
export interface DomainTargetInput extends DomainRef {
  readonly publicIp: string;
  readonly privateIp: string;
}

export interface TimerInput {
  /** Absolute epoch milliseconds; after a restore the timer fires at the original time. */
  readonly deadlineAt: number;
}

/** A placeholder that fails loudly: a missing effect must never look like success. */
export function unavailable<TOutput, TInput>(name: string) {
  return fromPromise<TOutput, TInput>(() => {
    const error: StepError = {
      code: 'EFFECT_UNAVAILABLE',
      message: `no implementation is configured for the "${name}" effect`,
      retryable: false,
    };
    return Promise.reject(error);
  });
}

/**
 * Placeholder durable timer. The real one (src/actors) resolves at `deadlineAt`; as a
 * promise its `onDone` is scoped to the one step that waits, so parallel regions can back
 * off independently.
 */
export const timerPlaceholder = unavailable<void, TimerInput>('sleepUntil');

/** Every promise effect of the service machine, with its input and output types. */
export const serviceEffects = {
  allocate: unavailable<Allocation, ServiceRef>('allocate'),
  createContainer: unavailable<{ readonly node: string }, CreateContainerInput>('createContainer'),
  registerHa: unavailable<void, ContainerRef>('registerHa'),
  awaitReady: unavailable<void, ContainerRef>('awaitReady'),
  installWordPress: unavailable<void, ContainerRef & SiteRef>('installWordPress'),
  verifyInstall: unavailable<void, ContainerRef & SiteRef>('verifyInstall'),
  createDnsRecord: unavailable<void, DnsRecordInput>('createDnsRecord'),
  createProxyHost: unavailable<void, ProxyHostInput>('createProxyHost'),
  checkLive: unavailable<void, SiteRef>('checkLive'),
  takeSnapshot: unavailable<void, ContainerRef>('takeSnapshot'),
  undoStep: unavailable<void, UndoInput>('undoStep'),
  shutdownContainer: unavailable<void, ShutdownInput>('shutdownContainer'),
  stopContainer: unavailable<void, ContainerRef>('stopContainer'),
  startContainer: unavailable<void, ContainerRef>('startContainer'),
  removeHa: unavailable<void, ContainerRef>('removeHa'),
  deleteSnapshots: unavailable<void, ContainerRef>('deleteSnapshots'),
  destroyContainer: unavailable<void, ContainerRef>('destroyContainer'),
  deleteDnsRecord: unavailable<void, SiteRef>('deleteDnsRecord'),
  deleteProxyHost: unavailable<void, SiteRef>('deleteProxyHost'),
  purgeDomains: unavailable<void, DomainPurgeInput>('purgeDomains'),
  releaseAllocation: unavailable<void, ServiceRef>('releaseAllocation'),
  reinstallWordPress: unavailable<void, ContainerRef & SiteRef>('reinstallWordPress'),
  restoreSnapshot: unavailable<void, ContainerRef>('restoreSnapshot'),
  resizeContainer: unavailable<void, ResizeInput>('resizeContainer'),
  sleepUntil: timerPlaceholder,
};

/** Every effect of the custom-domain machine. */
export const domainEffects = {
  verifyOwnership: unavailable<void, DomainVerifyInput>('verifyOwnership'),
  createDnsZone: unavailable<void, DomainTargetInput>('createDnsZone'),
  issueCertificate: unavailable<void, DomainRef>('issueCertificate'),
  createDomainProxyHost: unavailable<void, DomainTargetInput>('createDomainProxyHost'),
  removeDomain: unavailable<void, DomainRef>('removeDomain'),
  sleepUntil: timerPlaceholder,
};
