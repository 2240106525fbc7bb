/**
 * One error taxonomy for provisiond (docs/architecture.md §5). Every failure that crosses
 * a module boundary is an AppError with a stable `code`; guards and the HTTP layer read the
 * code, never the message. `retryable` tells the machine whether backing off can help.
 */
import type { StepError } from './domain/step-error.js';

export type ErrorCode =
  // Input and state (HTTP layer).
  | 'VALIDATION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHORIZED'
  | 'NOT_FOUND'
  | 'STATE_CONFLICT'
  | 'UNKNOWN_PLAN'
  | 'DOMAIN_QUOTA_EXCEEDED'
  | 'DOMAIN_TAKEN'
  | 'SERVICE_DELETED' // the service is gone; only a repeated delete succeeds
  | 'SNAPSHOT_MISSING' // restore asked for, but there is no initial snapshot: permanent
  | 'PLAN_TOO_SMALL' // the new plan cannot hold what the service already has
  | 'PROVISIONING_FAILED' // create-site?wait saw the service end in failed
  | 'IDEMPOTENCY_KEY_REUSED' // an Idempotency-Key sent again with a different request
  | 'RATE_LIMITED'
  // Allocation.
  | 'IP_POOL_EXHAUSTED'
  | 'VMID_RANGE_EXHAUSTED'
  | 'SUBDOMAIN_EXHAUSTED'
  // Effects: what the outside world answered (docs/architecture.md §5).
  | 'UPSTREAM_UNAVAILABLE' // 5xx, 59x, connection refused/reset: retryable
  | 'UPSTREAM_TIMEOUT' // no answer in time: retryable
  | 'UPSTREAM_REJECTED' // 4xx the request itself caused: permanent
  | 'UPSTREAM_AUTH_FAILED' // credentials refused: permanent until an operator fixes them
  | 'UPSTREAM_RATE_LIMITED' // 429 or our own budget exhausted: retryable
  | 'RESOURCE_LOCKED' // Proxmox "CT is locked" / "can't lock file": retryable
  | 'RESOURCE_CONFLICT' // exists with other settings, or in use elsewhere: permanent
  | 'NOT_OURS' // exists but carries no marker of this service: never touched
  | 'TASK_FAILED' // a Proxmox task ended with an error exit status
  | 'SHUTDOWN_TIMEOUT' // graceful shutdown did not finish in time
  | 'NOT_READY' // the container does not answer yet: retryable
  | 'INSTALL_FAILED' // the installer stopped at a named step
  | 'VERIFY_FAILED' // WordPress is not where the installer should have left it
  | 'SITE_NOT_LIVE' // the site does not answer through the proxy: retryable
  | 'OWNERSHIP_UNPROVEN' // the custom domain's TXT record is missing or wrong: retryable
  | 'DISK_SHRINK_REFUSED' // a resize asked for a smaller disk; Proxmox only grows volumes: permanent
  // Runtime.
  | 'EFFECT_UNAVAILABLE'
  | 'SNAPSHOT_INCOMPATIBLE'
  | 'CONFIG_INVALID'
  | 'SHUTTING_DOWN'
  | 'INTERNAL';

export interface AppErrorOptions {
  readonly retryable?: boolean;
  readonly system?: string;
  readonly field?: string;
  /** Extra, non-secret facts a client may act on (the current state, a quota, ...). */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly system: string | undefined;
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.system = options.system;
    this.field = options.field;
    this.details = options.details;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** A wait the system asked for (`details.retryAfterMs`), when it is a sane number. */
function retryAfterOf(details: Readonly<Record<string, unknown>> | undefined): { retryAfterMs?: number } {
  const ms = details?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? { retryAfterMs: Math.ceil(ms) } : {};
}

/** The plain-data form a machine stores in its context (snapshots must be JSON). */
export function toStepError(error: unknown): StepError {
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.system === undefined ? {} : { system: error.system }),
      ...retryAfterOf(error.details),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message, retryable: false };
}
