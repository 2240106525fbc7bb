/** Builds the ServiceView the API shows from the tracking record and the actor's snapshot. */
import type { ServiceContext } from '../machines/service.types.js';
import { stepOf, topState } from '../machines/service.views.js';
import type { ServiceRecord } from '../persistence/types.js';
import type { DomainView, ServiceView } from './registry.types.js';

/** What the view needs of a snapshot, live or parsed from SQLite. */
export interface SnapshotReading {
  readonly value: unknown;
  readonly context: ServiceContext;
  readonly busy: boolean;
  readonly healthy: boolean;
}

/** The TXT record name a customer publishes to prove they own `domain`. */
export function verificationName(domain: string): string {
  return `_provisiond-challenge.${domain}`;
}

export function toServiceView(record: ServiceRecord, reading: SnapshotReading | undefined, baseDomain: string): ServiceView {
  const context = reading?.context;
  const domains: DomainView[] = Object.entries(context?.domains ?? {}).map(([domain, entry]) => ({
    domain,
    state: entry.state,
    verification: { type: 'TXT', name: verificationName(domain), value: entry.token },
    verifyUntil: entry.verifyUntil ?? null,
    error: entry.error,
  }));
  const lastError = context?.lastError ?? null;
  return {
    serviceId: record.serviceId,
    email: record.email,
    plan: record.plan,
    publicIp: record.publicIp,
    vmid: record.vmid,
    privateIp: record.privateIp,
    subdomain: record.subdomain,
    fqdn: `${record.subdomain}.${context?.baseDomain ?? baseDomain}`,
    state: reading === undefined ? record.state : topState(reading.value),
    step: reading === undefined ? record.step : stepOf(reading.value),
    busy: reading?.busy ?? false,
    healthy: reading?.healthy ?? false,
    desired: context?.desired ?? 'running',
    failure: context?.failure ?? null,
    lastError: lastError === null ? null : { code: lastError.code, message: lastError.message },
    compensationErrors: context?.compensationErrors ?? [],
    initialSnapshot: context?.initialSnapshot === true,
    domains,
    domainQuota: record.domainQuota,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
