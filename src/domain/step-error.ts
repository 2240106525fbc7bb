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
  /**
   * How long the system asked us to wait before calling again (Cloudflare's Retry-After), in
   * ms. The next attempt is not scheduled sooner: calling during the block only prolongs it.
   */
  readonly retryAfterMs?: number;
}

export function isStepError(value: unknown): value is StepError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.message === 'string' && typeof v.retryable === 'boolean';
}
