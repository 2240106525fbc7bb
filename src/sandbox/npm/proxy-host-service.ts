/**
 * backend/internal/proxy-host.js, step by step, because the order is what clients trip over:
 *
 * - create: every name checked ("<name> is already in use") → SSL/HSTS flags cleaned (no
 *   certificate → ssl_forced/http2/hsts forced false) → row inserted → with `certificate_id:
 *   "new"`, certbot runs (blocking) and only then is the new id patched in, flags still false;
 *   if certbot fails the row stays behind, unconfigured → the answer is read → nginx configured.
 *   So the 201 body lacks `meta.nginx_online` (except after "new", whose patch configured it).
 * - update: names checked (ignoring the host itself) → 404 if gone → "new" issues first → patch →
 *   nginx configured only if the host is enabled. A PUT `enabled:false` therefore leaves the
 *   loaded configuration in place: only /disable takes a host out of nginx.
 * - delete is soft; enable/disable answer `true` or 400 "Host is already enabled/disabled".
 */
import type { CertificateService } from './certificate-service.js';
import type { NpmContext } from './npm-context.js';
import { npmErrors } from './npm-errors.js';
import { cleanSslHsts, type HostInput, type HostRow } from './npm-store.js';
import { hostView, type HostExpansion } from './npm-views.js';
import { likeMatcher } from './sql-like.js';

/** A validated create or update body. */
export type HostBody = Partial<Omit<HostRow, 'id' | 'certificate_id'>> & { certificate_id?: number | 'new' };

const ALL: ReadonlySet<HostExpansion> = new Set(['owner', 'certificate', 'access_list']);

export class ProxyHostService {
  constructor(
    private readonly npm: NpmContext,
    private readonly certificates: CertificateService,
  ) {}

  async create(body: HostBody & { domain_names: string[] }): Promise<Record<string, unknown>> {
    const { certificate_id: certificateId, ...rest } = body;
    this.assertNamesFree(rest.domain_names, 0);
    const input: HostInput = cleanSslHsts({
      ...rest,
      ...(typeof certificateId === 'number' ? { certificate_id: certificateId } : {}),
      owner_user_id: this.npm.user.id,
    });
    const row = this.npm.store.insertHost(input);
    if (certificateId === 'new') {
      const certificate = await this.certificates.create({
        provider: 'letsencrypt',
        domain_names: rest.domain_names,
        ...(rest.meta === undefined ? {} : { meta: rest.meta }),
      });
      this.npm.store.patchHost(row, { certificate_id: certificate['id'] as number });
      row.meta = this.npm.nginx.configure(row);
    }
    const answer = this.view(row, ALL);
    await this.npm.latency.wait('npm.api');
    row.meta = this.npm.nginx.configure(row);
    return answer;
  }

  async update(id: number, body: HostBody): Promise<Record<string, unknown>> {
    const { certificate_id: certificateId, ...rest } = body;
    if (rest.domain_names !== undefined) this.assertNamesFree(rest.domain_names, id);
    const row = this.npm.store.host(id);
    if (row === undefined) throw npmErrors.notFound(id);
    const patch: Partial<HostRow> = { ...rest };
    if (typeof certificateId === 'number') patch.certificate_id = certificateId;
    if (certificateId === 'new') {
      const certificate = await this.certificates.create({
        provider: 'letsencrypt',
        domain_names: rest.domain_names ?? row.domain_names,
        meta: { ...row.meta, ...rest.meta },
      });
      patch.certificate_id = certificate['id'] as number;
    }
    const { id: _id, created_on: _created, owner_user_id: _owner, ...combined } = cleanSslHsts({ ...row, ...patch });
    this.npm.store.patchHost(row, combined);
    await this.npm.latency.wait('npm.api');
    if (row.enabled) row.meta = this.npm.nginx.configure(row);
    return this.view(row, ALL);
  }

  async delete(id: number): Promise<true> {
    const row = this.npm.store.host(id);
    if (row === undefined) throw npmErrors.notFound(id);
    row.is_deleted = true;
    await this.npm.latency.wait('npm.api');
    this.npm.nginx.remove(row.id);
    return true;
  }

  async enable(id: number): Promise<true> {
    const row = this.npm.store.host(id);
    if (row === undefined) throw npmErrors.notFound(id);
    if (row.enabled) throw npmErrors.validation('Host is already enabled');
    this.npm.store.patchHost(row, { enabled: true });
    await this.npm.latency.wait('npm.api');
    row.meta = this.npm.nginx.configure(row);
    return true;
  }

  async disable(id: number): Promise<true> {
    const row = this.npm.store.host(id);
    if (row === undefined) throw npmErrors.notFound(id);
    if (!row.enabled) throw npmErrors.validation('Host is already disabled');
    this.npm.store.patchHost(row, { enabled: false });
    await this.npm.latency.wait('npm.api');
    this.npm.nginx.remove(row.id);
    return true;
  }

  get(id: number, expand: ReadonlySet<HostExpansion>): Record<string, unknown> {
    const row = this.npm.store.host(id);
    if (row === undefined) throw npmErrors.notFound(id);
    return this.view(row, expand);
  }

  /** Sorted by the JSON text of `domain_names`, filtered by SQL LIKE on that text. */
  list(expand: ReadonlySet<HostExpansion>, query: string | null): Record<string, unknown>[] {
    const matches = query === null ? () => true : likeMatcher(`%${query}%`);
    return this.npm.store
      .activeHosts()
      .map((row) => ({ row, text: JSON.stringify(row.domain_names) }))
      .filter(({ text }) => matches(text))
      .sort((a, b) => (a.text < b.text ? -1 : a.text > b.text ? 1 : a.row.id - b.row.id))
      .map(({ row }) => this.view(row, expand));
  }

  private assertNamesFree(names: readonly string[], ignoreHostId: number): void {
    for (const name of names) {
      if (this.npm.store.hostnameTaken(name, ignoreHostId)) throw npmErrors.validation(`${name} is already in use`);
    }
  }

  private view(row: HostRow, expand: ReadonlySet<HostExpansion>): Record<string, unknown> {
    return hostView(row, expand, this.npm);
  }
}
