/**
 * Let's Encrypt certificates through NPM (NOTES §5–§7). NPM has no uniqueness check and runs
 * one certbot at a time ("Another instance of Certbot is already running"), so:
 *
 * - look before ordering: reuse a certificate for exactly the domain that is valid for more
 *   than 30 days; if one is still being issued (NPM inserts the row first, with `expires_on`
 *   equal to its creation time), wait for it (RESOURCE_LOCKED, retryable) instead of ordering twice;
 * - issue and delete one at a time per daemon (a delete runs `certbot revoke` too);
 * - never delete a certificate a host still references (nginx -t would fail for every host, #133).
 *
 * Certificates carry no marker (their meta is closed); one for exactly a domain we manage is ours.
 */
import pLimit from 'p-limit';
import type { Certificate, NpmApi } from './api.js';
import { npmError } from './errors.js';

export interface CertificateOptions {
  readonly now: () => number;
  /** certbot blocks the call; NPM itself allows 15 minutes. */
  readonly timeoutMs: number;
}

const DAY_MS = 86_400_000;
/** NPM renews within 30 days of expiry; reuse only what is safely outside that window. */
const MIN_VALIDITY_MS = 30 * DAY_MS;
/** An issuing row's `expires_on` is its insert time, give or take the clock's second. */
const ISSUING_SLACK_MS = 60_000;

/** NPM's dates: ISO with a zone, or a bare `YYYY-MM-DD HH:MM:SS` that is UTC. */
export function parseNpmDate(text: string): number {
  const iso = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`;
  return Date.parse(iso);
}

export class Certificates {
  /** Daemon-wide: our own requests must never collide in certbot. */
  private readonly serial = pLimit(1);

  constructor(
    private readonly api: NpmApi,
    private readonly options: CertificateOptions,
  ) {}

  /** The id of a usable certificate for exactly `domain`, issuing one if there is none. */
  ensure(domain: string, signal: AbortSignal | undefined, preferId = 0): Promise<number> {
    return this.serial(async () => {
      signal?.throwIfAborted();
      const found = await this.api.findCertificates(domain, signal);
      const usable = this.pickUsable(found, preferId);
      if (usable !== undefined) return usable.id;
      if (found.some((cert) => this.isIssuing(cert))) {
        throw npmError('RESOURCE_LOCKED', `a certificate for ${domain} is being issued right now`);
      }
      // The transport sees the order through even if the caller aborts (certbot runs to the end
      // anyway) and only then rejects: the slot stays taken until the row is final, so the
      // removal queued behind (this step's compensation) finds the certificate and deletes it.
      const issued = await this.api.createCertificate(domain, this.options.timeoutMs, signal);
      return issued.id;
    });
  }

  /** Delete every certificate for exactly `domain` that no proxy host uses. */
  removeUnused(domain: string, signal: AbortSignal | undefined): Promise<void> {
    return this.serial(async () => {
      signal?.throwIfAborted();
      const found = (await this.api.findCertificates(domain, signal)).filter((cert) => !this.isIssuing(cert));
      if (found.length === 0) return;
      const used = new Set((await this.api.allHosts(signal)).map((host) => host.certificate_id));
      for (const cert of found) {
        if (used.has(cert.id)) continue;
        await this.api.deleteCertificate(cert.id, signal, `delete certificate ${cert.id} for ${domain}`);
      }
    });
  }

  /** The queue of certificate work (one runs, the rest wait). */
  queue(): { active: number; pending: number } {
    return { active: this.serial.activeCount, pending: this.serial.pendingCount };
  }

  private pickUsable(found: readonly Certificate[], preferId: number): Certificate | undefined {
    const horizon = this.options.now() + MIN_VALIDITY_MS;
    const usable = found.filter((cert) => !this.isIssuing(cert) && parseNpmDate(cert.expires_on) > horizon);
    const preferred = usable.find((cert) => cert.id === preferId);
    if (preferred !== undefined) return preferred;
    // Duplicate orders happen (no uniqueness check): take the one that lasts longest.
    return usable.sort((a, b) => parseNpmDate(b.expires_on) - parseNpmDate(a.expires_on))[0];
  }

  /** A row whose certbot run is still going. After NPM's own 15 minutes it is a stale leftover. */
  private isIssuing(cert: Certificate): boolean {
    const created = parseNpmDate(cert.created_on);
    const expires = parseNpmDate(cert.expires_on);
    if (!Number.isFinite(created) || !Number.isFinite(expires)) return false;
    return expires <= created + ISSUING_SLACK_MS && this.options.now() - created < this.options.timeoutMs;
  }
}
