/**
 * Context, input and events of the service lifecycle machine. These names are persisted
 * in SQLite snapshots: renaming one is a snapshot migration (bump SERVICE_MACHINE_VERSION).
 */
import type { StepError } from '../domain/step-error.js';

/** Bumped whenever a persisted name or shape changes; older snapshots refuse to load. */
export const SERVICE_MACHINE_VERSION = 1;

export interface Allocation {
  readonly subdomain: string;
  readonly privateIp: string;
  readonly vmid: number;
}

export interface Resources {
  readonly memoryMb: number;
  readonly diskGb: number;
  readonly cores: number;
}

/** Steps of provisioning that create something outside provisiond (the compensation ledger). */
export type ProvisionStep = 'container' | 'ha' | 'dnsRecord' | 'proxyHost' | 'snapshot';

/** The phases whose failure lands in `failed`; `retry` re-enters the phase. */
export type Phase = 'allocating' | 'provisioning' | 'suspending' | 'resuming' | 'reinstalling' | 'restoring' | 'resizing' | 'deleting';

/** A plan change (Paymenter's upgrade) the operator asked for, applied by `resizing`. */
export interface PlanChange {
  readonly plan: string;
  readonly resources: Resources;
  readonly domainQuota: number;
}

export interface Failure {
  readonly phase: Phase;
  readonly step: string;
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

export interface DomainEntry {
  readonly state: string;
  /** Published by the customer as TXT to prove ownership. */
  readonly token: string;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** Epoch ms when ownership verification gives up (absent in older snapshots). */
  readonly verifyUntil?: number;
}

export interface ServiceInput {
  readonly serviceId: string;
  readonly email: string;
  readonly plan: string;
  readonly publicIp: string;
  /** Sites are served at <subdomain>.<baseDomain>. */
  readonly baseDomain: string;
  readonly resources: Resources;
  readonly domainQuota: number;
}

export interface ServiceContext extends ServiceInput {
  allocation: Allocation | null;
  /** The Proxmox node that hosts the container, as last reported by an effect. */
  node: string | null;
  /** Provisioning steps begun, in order; compensation undoes them in reverse. */
  ledger: ProvisionStep[];
  /** Failed attempts per step still in play (cleared when the step succeeds). */
  attempts: Record<string, number>;
  /**
   * Per backing-off step, the absolute time (epoch ms) of its next attempt. Durable: the
   * timer actor is re-run from this after a restart and fires at the original time.
   */
  deadlines: Record<string, number>;
  /** What the customer last asked for; a busy phase converges to it when it ends. */
  desired: 'running' | 'suspended';
  failure: Failure | null;
  /** The last transient error, kept for status while the step backs off. */
  lastError: StepError | null;
  /** Inverses that failed during compensation: reported, never silently dropped. */
  compensationErrors: { readonly step: ProvisionStep; readonly code: string; readonly message: string }[];
  domains: Record<string, DomainEntry>;
  /**
   * The `initial` snapshot exists (taken at the end of provisioning, gone after deletion or its
   * undo). Restore is only offered while it does. Snapshots persisted before this field read
   * it as absent: restore then answers SNAPSHOT_MISSING rather than guessing.
   */
  initialSnapshot?: boolean;
  /** The plan change `resizing` applies; kept until it succeeds so `retry` can resume it. */
  planChange?: PlanChange | null;
}

export type ServiceEvent =
  | { readonly type: 'create' }
  | { readonly type: 'suspend' }
  | { readonly type: 'unsuspend' }
  | { readonly type: 'delete' }
  | { readonly type: 'retry' }
  /** Operator commands on a built site. */
  | { readonly type: 'reinstall' }
  | { readonly type: 'restore' }
  | ({ readonly type: 'changePlan' } & PlanChange)
  | { readonly type: 'domain.add'; readonly domain: string; readonly token: string; readonly verifyUntil?: number }
  | { readonly type: 'domain.remove'; readonly domain: string }
  | { readonly type: 'domain.retry'; readonly domain: string }
  /** A child domain actor's snapshot, forwarded because it is spawned with syncSnapshot. */
  | { readonly type: `xstate.snapshot.${string}`; readonly snapshot: unknown };
