/**
 * certbot as NPM runs it: one process at a time (a second concurrent run fails with "Another
 * instance of Certbot is already running", NPM #918/#3071), taking the timing table's
 * `npm.certificate` time (plus `propagation_seconds` for DNS-01, scaled like everything else;
 * a revoke takes `npm.api`).
 *
 * Each run is an operation of its own for the fault injector, so a test can make certbot fail
 * without the API call failing up front: `npm.certbot.certonly` (issue), `npm.certbot.renew`,
 * `npm.certbot.revoke`. A `status` or `reset` fault is a failed run (its `message`, if any, is
 * certbot's output), `timeout` a run that never ends, `latency` a slower one.
 */
import type { Faults } from '../core/faults.js';
import type { Latency } from '../core/timing.js';
import { npmErrors } from './npm-errors.js';

export type CertbotCommand = 'certonly' | 'renew' | 'revoke';

export interface CertificateInfo {
  readonly cn: string;
  readonly issuer: string;
  readonly dates: { readonly from: number; readonly to: number };
}

/** Let's Encrypt certificates live 90 days. */
export const CERTIFICATE_LIFETIME_MS = 90 * 86_400_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class CertbotModel {
  private running = 0;

  constructor(
    private readonly faults: Faults,
    private readonly latency: Latency,
    private readonly now: () => number,
  ) {}

  /** Run certbot for `domains`; the certificate's details, or a CommandError (500). */
  async run(command: CertbotCommand, domains: readonly string[], extraSeconds = 0): Promise<CertificateInfo> {
    const { fault, end } = this.faults.begin(`npm.certbot.${command}`);
    if (this.running > 0) {
      end();
      throw npmErrors.command('Another instance of Certbot is already running.');
    }
    this.running++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.running--;
      end();
    };
    try {
      // Issuing and renewing are the slow ACME exchanges; a revoke is one quick call.
      await this.latency.wait(command === 'revoke' ? 'npm.api' : 'npm.certificate');
      if (extraSeconds > 0) await sleep(extraSeconds * 1000 * this.latency.scale);
      if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 0);
      if (fault?.kind === 'timeout') {
        release();
        return await hang();
      }
      if (fault?.kind === 'status' || fault?.kind === 'reset') throw npmErrors.command(fault.message ?? failure(domains));
      if (domains.length === 0) throw npmErrors.command('certbot: error: argument -d/--domains: expected one argument');
      const from = Math.floor(this.now() / 1000);
      return {
        cn: domains[0] ?? '',
        issuer: 'C = US, O = Let\'s Encrypt, CN = E5',
        dates: { from, to: from + CERTIFICATE_LIFETIME_MS / 1000 },
      };
    } finally {
      release();
    }
  }
}

/**
 * A hung certbot: NPM's request hangs with it until the client gives up. The run never ends;
 * unlike a real stale lock (#918) the sandbox lets the next run through.
 */
function hang(): Promise<never> {
  return new Promise<never>(() => undefined);
}

function failure(domains: readonly string[]): string {
  const domain = domains[0] ?? '';
  return (
    'Some challenges have failed.\n' +
    'Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported ' +
    `these problems:\n  Domain: ${domain}\n  Type:   connection\n  Detail: Fetching ` +
    `http://${domain}/.well-known/acme-challenge/: Timeout during connect (likely firewall problem)`
  );
}
