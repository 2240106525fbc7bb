/**
 * How a command's outcome is kept in the webhook inbox, so that a repeated delivery (same
 * Idempotency-Key) is answered exactly as the first one was, errors included.
 */
import { AppError, isAppError, type ErrorCode } from '../errors.js';
import type { CommandOutcome } from './registry.types.js';

export type StoredOutcome =
  | { readonly ok: true; readonly created: boolean }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly field?: string; readonly details?: Record<string, unknown> };

export type Settled = { readonly result: CommandOutcome; readonly stored: StoredOutcome } | { readonly error: unknown; readonly stored: StoredOutcome };

/** Run a command and capture its outcome in the form the inbox stores. */
export function settle(run: () => CommandOutcome): Settled {
  try {
    const result = run();
    return { result, stored: { ok: true, created: result.created } };
  } catch (error) {
    // Only our own errors are replayed verbatim; anything else is an internal fault.
    if (!isAppError(error)) return { error, stored: { ok: false, code: 'INTERNAL', message: 'internal error' } };
    const stored: StoredOutcome = {
      ok: false,
      code: error.code,
      message: error.message,
      ...(error.field === undefined ? {} : { field: error.field }),
      ...(error.details === undefined ? {} : { details: { ...error.details } }),
    };
    return { error, stored };
  }
}

/** The error a stored failure stands for. */
export function storedError(stored: Extract<StoredOutcome, { ok: false }>): AppError {
  return new AppError(stored.code as ErrorCode, stored.message, {
    ...(stored.field === undefined ? {} : { field: stored.field }),
    ...(stored.details === undefined ? {} : { details: stored.details }),
  });
}
