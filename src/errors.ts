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
  | 'RATE_LIMITED'
  // Allocation.
  | 'IP_POOL_EXHAUSTED'
  | 'VMID_RANGE_EXHAUSTED'
  | 'SUBDOMAIN_EXHAUSTED'
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

/** The plain-data form a machine stores in its context (snapshots must be JSON). */
export function toStepError(error: unknown): StepError {
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      ...(error.system === undefined ? {} : { system: error.system }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message, retryable: false };
}
