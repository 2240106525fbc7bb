/**
 * NPM's database, in memory: proxy host and certificate rows with the defaults and rules the
 * models apply (backend/models/*.js, backend/internal/host.js). Rows are soft-deleted, as in NPM,
 * except a certificate whose issuance failed, which NPM hard-deletes.
 */

export interface LocationRow {
  readonly path: string;
  readonly forward_scheme: string;
  readonly forward_host: string;
  readonly forward_port: number;
  readonly forward_path?: string;
  readonly advanced_config?: string;
  readonly id?: number | null;
}

export interface HostRow {
  readonly id: number;
  readonly created_on: number;
  modified_on: number;
  readonly owner_user_id: number;
  domain_names: string[];
  forward_scheme: string;
  forward_host: string;
  forward_port: number;
  access_list_id: number;
  certificate_id: number;
  ssl_forced: boolean;
  caching_enabled: boolean;
  block_exploits: boolean;
  advanced_config: string;
  meta: Record<string, unknown>;
  allow_websocket_upgrade: boolean;
  http2_support: boolean;
  enabled: boolean;
  locations: LocationRow[];
  hsts_enabled: boolean;
  hsts_subdomains: boolean;
  trust_forwarded_proto: boolean;
  is_deleted: boolean;
}

export interface CertificateRow {
  readonly id: number;
  readonly created_on: number;
  modified_on: number;
  readonly owner_user_id: number;
  readonly provider: string;
  readonly nice_name: string;
  readonly domain_names: string[];
  /** NPM fills this with the insert time until certbot has run. */
  expires_on: number;
  readonly meta: Record<string, unknown>;
  is_deleted: boolean;
  /** The certificate files exist (issued and not revoked): nginx can load them. */
  has_files: boolean;
}

/** Columns a create may set; everything else has the database default. */
export type HostInput = Partial<Omit<HostRow, 'id' | 'created_on' | 'modified_on' | 'is_deleted'>> &
  Pick<HostRow, 'domain_names' | 'owner_user_id'>;

const HOST_DEFAULTS = {
  forward_scheme: 'http', forward_host: '', forward_port: 80, access_list_id: 0, certificate_id: 0,
  ssl_forced: false, caching_enabled: false, block_exploits: false, advanced_config: '', meta: {},
  allow_websocket_upgrade: false, http2_support: false, enabled: true, locations: [], hsts_enabled: false,
  hsts_subdomains: false, trust_forwarded_proto: false,
} as const;

/**
 * backend/internal/host.js cleanSslHstsData: no certificate → no forced SSL and no HTTP/2;
 * no forced SSL → no HSTS; no HSTS → no HSTS for subdomains.
 */
export function cleanSslHsts<T extends Partial<HostRow>>(combined: T): T {
  const result = { ...combined };
  if (!result.certificate_id) {
    result.ssl_forced = false;
    result.http2_support = false;
  }
  if (!result.ssl_forced) result.hsts_enabled = false;
  if (!result.hsts_enabled) result.hsts_subdomains = false;
  return result;
}

export class NpmStore {
  readonly hosts = new Map<number, HostRow>();
  readonly certificates = new Map<number, CertificateRow>();
  private nextHostId = 1;
  private nextCertificateId = 1;

  constructor(private readonly now: () => number) {}

  insertHost(input: HostInput): HostRow {
    const time = this.now();
    const row: HostRow = {
      ...HOST_DEFAULTS,
      ...structuredClone(input),
      id: this.nextHostId++,
      created_on: time,
      modified_on: time,
      domain_names: [...input.domain_names].sort(),
      is_deleted: false,
    } as HostRow;
    this.hosts.set(row.id, row);
    return row;
  }

  patchHost(row: HostRow, patch: Partial<HostRow>): void {
    Object.assign(row, structuredClone(patch));
    row.domain_names = [...row.domain_names].sort();
    row.modified_on = this.now();
  }

  host(id: number): HostRow | undefined {
    const row = this.hosts.get(id);
    return row === undefined || row.is_deleted ? undefined : row;
  }

  activeHosts(): HostRow[] {
    return [...this.hosts.values()].filter((row) => !row.is_deleted);
  }

  /**
   * backend/internal/host.js isHostnameTaken: case-insensitive exact match against every
   * non-deleted host, whoever owns it. (Redirection and 404 hosts are not simulated.)
   */
  hostnameTaken(hostname: string, ignoreHostId = 0): boolean {
    const wanted = hostname.toLowerCase();
    return this.activeHosts().some(
      (row) => row.id !== ignoreHostId && row.domain_names.some((name) => name.toLowerCase() === wanted),
    );
  }

  insertCertificate(input: {
    owner_user_id: number;
    provider: string;
    nice_name: string;
    domain_names: readonly string[];
    meta: Record<string, unknown>;
  }): CertificateRow {
    const time = this.now();
    const row: CertificateRow = {
      id: this.nextCertificateId++,
      created_on: time,
      modified_on: time,
      owner_user_id: input.owner_user_id,
      provider: input.provider,
      nice_name: input.nice_name,
      domain_names: [...input.domain_names].sort(),
      expires_on: time,
      meta: structuredClone(input.meta),
      is_deleted: false,
      has_files: false,
    };
    this.certificates.set(row.id, row);
    return row;
  }

  certificate(id: number): CertificateRow | undefined {
    const row = this.certificates.get(id);
    return row === undefined || row.is_deleted ? undefined : row;
  }

  activeCertificates(): CertificateRow[] {
    return [...this.certificates.values()].filter((row) => !row.is_deleted);
  }

  /** NPM hard-deletes the row of a certificate whose issuance failed. */
  dropCertificate(id: number): void {
    this.certificates.delete(id);
  }
}
