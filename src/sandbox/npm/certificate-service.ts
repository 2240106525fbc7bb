/**
 * backend/internal/certificate.js: create (Let's Encrypt issuance blocks the call), renew,
 * delete (soft delete + `certbot revoke --delete-after-revoke`), list and get.
 *
 * Issuance: the row is inserted first (listed at once, `expires_on` = insert time), the hosts
 * using its names are taken out while certbot runs, then `expires_on` is set from the new
 * certificate. If certbot fails, the row is hard-deleted and the error (500 "Internal Error",
 * certbot's output only in `debug`) goes back to the client. There is no uniqueness check:
 * two requests make two orders.
 */
import type { NpmContext } from './npm-context.js';
import { npmErrors } from './npm-errors.js';
import { certificateView, hostView, userView } from './npm-views.js';
import { likeMatcher } from './sql-like.js';

export interface CertificateInput {
  readonly provider: string;
  readonly nice_name?: string;
  readonly domain_names?: readonly string[];
  readonly meta?: Record<string, unknown>;
}

export type CertificateExpansion = 'owner' | 'proxy_hosts' | 'redirection_hosts' | 'dead_hosts';

export class CertificateService {
  constructor(private readonly npm: NpmContext) {}

  async create(input: CertificateInput): Promise<Record<string, unknown>> {
    const { store, nginx, certbot } = this.npm;
    let niceName = input.nice_name ?? '';
    if (input.provider === 'letsencrypt') {
      // NPM joins the names without checking they were sent: no names → TypeError → 500.
      if (input.domain_names === undefined) {
        throw npmErrors.library('TypeError', "Cannot read properties of undefined (reading 'join')");
      }
      niceName = input.domain_names.join(', ');
    }
    const row = store.insertCertificate({
      owner_user_id: this.npm.user.id,
      provider: input.provider,
      nice_name: niceName,
      domain_names: input.domain_names ?? [],
      meta: input.meta ?? {},
    });
    if (row.provider !== 'letsencrypt') {
      await this.npm.latency.wait('npm.api');
      return certificateView(row);
    }
    nginx.suspend(row.domain_names);
    try {
      const dns = row.meta['dns_challenge'] === true;
      if (dns && !(typeof row.meta['dns_provider'] === 'string' && row.meta['dns_provider'] !== '')) {
        throw npmErrors.command(`Unknown DNS provider '${String(row.meta['dns_provider'])}'`);
      }
      const propagation = dns && typeof row.meta['propagation_seconds'] === 'number' ? row.meta['propagation_seconds'] : 0;
      const info = await certbot.run('certonly', row.domain_names, propagation);
      row.expires_on = info.dates.to * 1000;
      row.modified_on = this.npm.now();
      row.has_files = true;
      return certificateView(row, { letsencrypt_certificate: info });
    } catch (error) {
      store.dropCertificate(row.id);
      throw error;
    } finally {
      nginx.resume(row.domain_names);
    }
  }

  async renew(id: number): Promise<Record<string, unknown>> {
    const row = this.npm.store.certificate(id);
    if (row === undefined) throw npmErrors.notFound(id);
    if (row.provider !== 'letsencrypt') throw npmErrors.validation("Only Let'sEncrypt certificates can be renewed");
    const info = await this.npm.certbot.run('renew', row.domain_names);
    row.expires_on = info.dates.to * 1000;
    row.modified_on = this.npm.now();
    row.has_files = true;
    return certificateView(row);
  }

  async delete(id: number): Promise<true> {
    const row = this.npm.store.certificate(id);
    if (row === undefined) throw npmErrors.notFound(id);
    row.is_deleted = true;
    row.modified_on = this.npm.now();
    await this.npm.latency.wait('npm.api');
    if (row.provider === 'letsencrypt') {
      try {
        await this.npm.certbot.run('revoke', row.domain_names);
        row.has_files = false;
      } catch {
        // NPM logs a failed revoke and answers true anyway; the files stay.
      }
    } else row.has_files = false;
    return true;
  }

  get(id: number, expand: ReadonlySet<CertificateExpansion>): Record<string, unknown> {
    const row = this.npm.store.certificate(id);
    if (row === undefined) throw npmErrors.notFound(id);
    return this.view(row.id, expand);
  }

  list(expand: ReadonlySet<CertificateExpansion>, query: string | null): Record<string, unknown>[] {
    const matches = query === null ? () => true : likeMatcher(`%${query}%`);
    return this.npm.store
      .activeCertificates()
      .filter((row) => matches(row.nice_name))
      .sort((a, b) => (a.nice_name < b.nice_name ? -1 : a.nice_name > b.nice_name ? 1 : a.id - b.id))
      .map((row) => this.view(row.id, expand));
  }

  private view(id: number, expand: ReadonlySet<CertificateExpansion>): Record<string, unknown> {
    const row = this.npm.store.certificate(id);
    if (row === undefined) throw npmErrors.notFound(id);
    const view = certificateView(row);
    if (expand.has('owner')) view['owner'] = userView(this.npm.user);
    if (expand.has('proxy_hosts')) {
      view['proxy_hosts'] = this.npm.store
        .activeHosts()
        .filter((host) => host.certificate_id === id)
        .map((host) => hostView(host, new Set(), this.npm));
    }
    if (expand.has('redirection_hosts')) view['redirection_hosts'] = [];
    if (expand.has('dead_hosts')) view['dead_hosts'] = [];
    return view;
  }
}
