/**
 * What the HTTP layer may ask of the live actor system. The server imports only these
 * types and a ServiceRegistry instance; it never reaches SQL or infrastructure.
 */
import type { Failure } from '../machines/service.types.js';
import type { LogLine, ServiceRecord, TransitionRow } from '../persistence/types.js';

/** A command, as data: what a webhook or an operator asked for. Replayable after a crash. */
export type Command =
  | { readonly type: 'create'; readonly serviceId: string; readonly email: string; readonly plan: string; readonly publicIp: string }
  | { readonly type: 'suspend'; readonly serviceId: string }
  | { readonly type: 'unsuspend'; readonly serviceId: string }
  | { readonly type: 'delete'; readonly serviceId: string }
  | { readonly type: 'retry'; readonly serviceId: string }
  | { readonly type: 'reinstall'; readonly serviceId: string }
  | { readonly type: 'restore'; readonly serviceId: string }
  | { readonly type: 'changePlan'; readonly serviceId: string; readonly plan: string }
  | { readonly type: 'domain.add'; readonly serviceId: string; readonly domain: string }
  | { readonly type: 'domain.remove'; readonly serviceId: string; readonly domain: string }
  | { readonly type: 'domain.retry'; readonly serviceId: string; readonly domain: string };

export type CommandType = Command['type'];

/** Why a phase failed: the machine's own record (phase, step, code, message, at). */
export type FailureView = Failure;

export interface DomainView {
  readonly domain: string;
  readonly state: string;
  /** The TXT record that proves ownership: publish `value` at `name`. */
  readonly verification: { readonly type: 'TXT'; readonly name: string; readonly value: string };
  /** Epoch ms after which a still-missing TXT record fails the domain; null when unknown. */
  readonly verifyUntil: number | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** The tracking record's fields, as stored, plus the live lifecycle reading. */
export interface ServiceView
  extends Pick<ServiceRecord, 'serviceId' | 'email' | 'plan' | 'publicIp' | 'vmid' | 'privateIp' | 'subdomain' | 'domainQuota' | 'createdAt' | 'updatedAt'> {
  /** subdomain + the configured base domain, e.g. customer.nodepoint.eu. */
  readonly fqdn: string;
  /** Top-level lifecycle state. */
  readonly state: string;
  /** The deepest active state path, e.g. "provisioning.site.install.running". */
  readonly step: string | null;
  /** Work is in flight (tag `busy`). */
  readonly busy: boolean;
  /** The site is expected to serve (tag `healthy`). */
  readonly healthy: boolean;
  /** What the customer last asked for: the service converges to it when the current phase ends. */
  readonly desired: 'running' | 'suspended';
  readonly failure: FailureView | null;
  /** The last transient error of a step still backing off (cleared when it succeeds). */
  readonly lastError: { readonly code: string; readonly message: string } | null;
  /** Inverses that failed during compensation: what an operator may have to clean by hand. */
  readonly compensationErrors: readonly { readonly step: string; readonly code: string; readonly message: string }[];
  /** The `initial` snapshot exists, so restore is possible. */
  readonly initialSnapshot: boolean;
  readonly domains: readonly DomainView[];
}

/** One committed transition, exactly as the log stores it. */
export type TransitionView = TransitionRow;

/** One line of a service's log (installer output and the like). */
export type LogView = LogLine;

export interface CommandOutcome {
  readonly service: ServiceView;
  /** For create: true when this call created the service, false when it already existed. */
  readonly created: boolean;
}

export interface ServiceRegistry {
  /**
   * Record the command in the webhook inbox, apply it, persist, and answer. With an
   * idempotency key seen before, answers with the first outcome and applies nothing.
   * Throws AppError: NOT_FOUND, STATE_CONFLICT (details.state), UNKNOWN_PLAN,
   * IP_POOL_EXHAUSTED, VMID_RANGE_EXHAUSTED, DOMAIN_QUOTA_EXCEEDED (details.quota),
   * DOMAIN_TAKEN, SERVICE_DELETED, SNAPSHOT_MISSING, PLAN_TOO_SMALL, SHUTTING_DOWN.
   */
  execute(command: Command, options?: { readonly idempotencyKey?: string }): CommandOutcome;
  /**
   * Resolves once what `execute` wrote is committed: creates that arrive in the same turn share
   * one commit (persistence/commit-group.ts), so a caller answers only after this.
   */
  committed(): Promise<void>;
  get(serviceId: string): ServiceView | undefined;
  list(query: { readonly state?: string; readonly after?: string; readonly limit: number }): ServiceView[];
  /** The last `limit` transitions of one service, oldest first. */
  recentTransitions(serviceId: string, limit: number): TransitionView[];
  /** Committed transitions after `seq`, oldest first (the feed's catch-up). */
  transitionsAfter(seq: number, options: { readonly serviceId?: string; readonly limit: number }): TransitionView[];
  /** The seq of the newest committed transition, 0 when there is none. */
  lastSeq(): number;
  /** Called synchronously after each commit, in sequence order. Returns an unsubscribe. */
  onTransition(listener: (transition: TransitionView) => void): () => void;
  /** The newest `limit` lines of a service's log, oldest first. */
  logTail(serviceId: string, limit: number): LogView[];
  /** Called for every line appended to any service's log. Returns an unsubscribe. */
  onLog(listener: (line: LogView) => void): () => void;
}
