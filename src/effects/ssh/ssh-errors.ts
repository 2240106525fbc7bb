/**
 * How SSH transport failures map onto the error taxonomy. ssh2 tags its errors with a
 * `level`: `client-authentication` (every key refused), `client-timeout` (no handshake within
 * readyTimeout), `client-socket` (refused, reset, unreachable), `protocol`/`handshake`.
 * A refused host key is recorded by our verifier, since ssh2's own message does not say why.
 * Messages name the node, never a key or fingerprint.
 */
import { AppError } from '../../errors.js';

export const SYSTEM = 'ssh';

export function connectFailed(node: string, error: unknown, hostKeyRejected: boolean): AppError {
  if (error instanceof AppError) return error;
  if (hostKeyRejected) {
    return new AppError('UPSTREAM_AUTH_FAILED', `SSH host key of node "${node}" does not match the pinned fingerprint; refusing to connect`, {
      system: SYSTEM,
      retryable: false,
    });
  }
  const level = (error as { level?: unknown } | null)?.level;
  const message = error instanceof Error ? error.message : String(error);
  if (level === 'client-authentication') {
    return new AppError('UPSTREAM_AUTH_FAILED', `SSH login to node "${node}" was refused (public key not accepted)`, {
      system: SYSTEM,
      retryable: false,
    });
  }
  if (level === 'client-timeout') {
    return new AppError('UPSTREAM_TIMEOUT', `SSH handshake with node "${node}" timed out`, { system: SYSTEM, retryable: true, cause: error });
  }
  return new AppError('UPSTREAM_UNAVAILABLE', `SSH connection to node "${node}" failed: ${message}`, {
    system: SYSTEM,
    retryable: true,
    cause: error,
  });
}

export function connectionLost(node: string, what: string): AppError {
  return new AppError('UPSTREAM_UNAVAILABLE', `SSH connection to node "${node}" was lost during ${what}`, { system: SYSTEM, retryable: true });
}

export function commandTimedOut(node: string, what: string, ms: number): AppError {
  return new AppError('UPSTREAM_TIMEOUT', `${what} on node "${node}" gave no result within ${ms} ms`, { system: SYSTEM, retryable: true });
}

/**
 * The actor was stopped. Retryable, so that a resumed actor simply runs the effect again
 * (every command here is safe to repeat).
 */
export function cancelled(node: string, what: string, reason: unknown): AppError {
  return new AppError('UPSTREAM_UNAVAILABLE', `${what} on node "${node}" was cancelled`, { system: SYSTEM, retryable: true, cause: reason });
}

/** The last non-empty line of some output, shortened: enough to say why, never a wall of text. */
export function lastLine(text: string, max = 300): string {
  const line = text.split('\n').map((l) => l.trim()).filter((l) => l !== '').at(-1) ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
