/**
 * Rows as NPM's API shows them (components/proxy-host-object.json, certificate-object.json,
 * user-object.json): dates as the database returns them (second precision, ISO), booleans
 * as booleans, expansions only when asked for, in NPM's key order.
 */
import { createHash } from 'node:crypto';
import type { CertificateRow, HostRow, NpmStore } from './npm-store.js';

export type HostExpansion = 'owner' | 'certificate' | 'access_list';

export interface NpmUser {
  readonly id: number;
  readonly email: string;
  readonly createdOn: number;
}

/** A DATETIME column read back: whole seconds. */
export function dbDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function userView(user: NpmUser): Record<string, unknown> {
  const md5 = createHash('md5').update(user.email.trim().toLowerCase()).digest('hex');
  return {
    id: user.id,
    created_on: dbDate(user.createdOn),
    modified_on: dbDate(user.createdOn),
    is_disabled: false,
    email: user.email,
    name: 'Administrator',
    nickname: 'Admin',
    avatar: `//www.gravatar.com/avatar/${md5}?default=mm`,
    roles: ['admin'],
  };
}

export function hostView(
  row: HostRow,
  expand: ReadonlySet<HostExpansion>,
  context: { store: NpmStore; user: NpmUser },
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: row.id,
    created_on: dbDate(row.created_on),
    modified_on: dbDate(row.modified_on),
    owner_user_id: row.owner_user_id,
    domain_names: [...row.domain_names],
    forward_host: row.forward_host,
    forward_port: row.forward_port,
    access_list_id: row.access_list_id,
    certificate_id: row.certificate_id,
    ssl_forced: row.ssl_forced,
    caching_enabled: row.caching_enabled,
    block_exploits: row.block_exploits,
    advanced_config: row.advanced_config,
    meta: structuredClone(row.meta),
    allow_websocket_upgrade: row.allow_websocket_upgrade,
    http2_support: row.http2_support,
    forward_scheme: row.forward_scheme,
    enabled: row.enabled,
    locations: structuredClone(row.locations),
    hsts_enabled: row.hsts_enabled,
    hsts_subdomains: row.hsts_subdomains,
    trust_forwarded_proto: row.trust_forwarded_proto,
  };
  if (expand.has('certificate')) {
    // NPM blanks the certificate's meta when it is expanded on a host (cleanRowCertificateMeta).
    const certificate = context.store.certificate(row.certificate_id);
    view['certificate'] = certificate === undefined ? null : { ...certificateView(certificate), meta: {} };
  }
  if (expand.has('owner')) view['owner'] = userView(context.user);
  // Access lists are not simulated: no id ever resolves to one.
  if (expand.has('access_list')) view['access_list'] = null;
  return view;
}

export function certificateView(row: CertificateRow, extraMeta: Record<string, unknown> = {}): Record<string, unknown> {
  // The DNS provider credentials are written to a file for certbot and never shown again.
  const { dns_provider_credentials: _secret, ...meta } = row.meta;
  return {
    id: row.id,
    created_on: dbDate(row.created_on),
    modified_on: dbDate(row.modified_on),
    owner_user_id: row.owner_user_id,
    provider: row.provider,
    nice_name: row.nice_name,
    domain_names: [...row.domain_names],
    expires_on: dbDate(row.expires_on),
    meta: { ...structuredClone(meta), ...extraMeta },
  };
}
