/**
 * The serialisable form of a failure, as it travels from an effect into a machine's
 * context and from there into SQLite and the feed. Guards read `code` and `retryable`,
 * never `message`.
 */
export interface StepError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  /** The external system that failed, when there was one (proxmox, cloudflare, ...). */
  readonly system?: string;
}

export function isStepError(value: unknown): value is StepError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.retryable === 'boolean';
}
