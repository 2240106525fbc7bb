/**
 * The reconciler's data: what the database says each service owns, what the external systems
 * hold, and what the comparison finds. Plain data only, so the comparison and the fix plan
 * are pure functions that tests feed directly.
 *
 * Every inventory item names its `owner`: the service id of the marker it carries
 * (README "Infrastructure effects"), or null when it carries none. Unmarked items may appear
 * where an inventory sees them for free (Proxmox reads every container's config anyway); they
 * only ever explain a finding and are never the target of a repair.
 */

export type System = 'proxmox' | 'cloudflare' | 'npm' | 'ispconfig';

/** States in which a service's actor is at rest; any other state means its actor owns its resources now. */
export const SETTLED_STATES: readonly string[] = ['active', 'suspended', 'deleted', 'failed'];

export interface OwnedDomain {
  /** ASCII, lower case, no trailing dot. */
  readonly domain: string;
  /** The domain machine's state (`active` when it is fully served). */
  readonly state: string;
}

/** One service as the database records it. */
export interface OwnedService {
  readonly serviceId: string;
  /** Top-level lifecycle state. */
  readonly state: string;
  readonly step: string | null;
  readonly vmid: number;
  readonly privateIp: string;
  readonly publicIp: string;
  /** `<subdomain>.<baseDomain>`, lower case. */
  readonly fqdn: string;
  /** Custom domains not removed. */
  readonly domains: readonly OwnedDomain[];
}

export interface ContainerItem {
  readonly vmid: number;
  readonly node: string;
  /** `running`, `stopped` (anything else is read as "unknown" and never acted on). */
  readonly status: string;
  readonly owner: string | null;
  /** The address in `net0`, if any. */
  readonly ip: string | null;
  readonly lock?: string;
}

export interface DnsRecordItem {
  readonly id: string;
  /** FQDN, lower case, no trailing dot. */
  readonly name: string;
  readonly type: string;
  readonly content: string;
  readonly owner: string | null;
}

export interface ProxyHostItem {
  readonly id: number;
  /** Lower case. */
  readonly domainNames: readonly string[];
  readonly forwardHost: string;
  readonly forwardPort: number;
  readonly owner: string | null;
}

export interface ZoneItem {
  /** ASCII, lower case, no trailing dot. */
  readonly domain: string;
  readonly owner: string | null;
  /** The panel's zone id; null when only marker rows are left (the zone itself was deleted). */
  readonly zoneId: number | null;
  /** The zone's A records: host name (FQDN, lower case, no dot) and address. */
  readonly aRecords: readonly { readonly name: string; readonly data: string }[];
}

/** What each system holds; a system left out could not be read and is not judged at all. */
export interface Inventory {
  readonly proxmox?: readonly ContainerItem[];
  readonly cloudflare?: readonly DnsRecordItem[];
  readonly npm?: readonly ProxyHostItem[];
  readonly ispconfig?: readonly ZoneItem[];
}

/** What a live service's resources must look like beyond the database's own values. */
export interface Expectations {
  /** The port proxy hosts forward to on the container. */
  readonly sitePort: number;
}

export type FindingKind = 'orphan' | 'missing' | 'drift' | 'busy';

/**
 * What exactly is wrong, with the facts a repair needs. `owner` is always the marker's
 * service id: repairs are owner-checked against it again when they run.
 */
export type Issue =
  | { readonly type: 'container-orphan'; readonly owner: string; readonly vmid: number }
  | { readonly type: 'container-stray'; readonly owner: string; readonly vmid: number }
  | { readonly type: 'container-missing'; readonly vmid: number }
  | { readonly type: 'container-power'; readonly vmid: number; readonly want: 'running' | 'stopped' }
  | { readonly type: 'record-orphan'; readonly owner: string; readonly id: string; readonly name: string }
  | { readonly type: 'record-missing' | 'record-content'; readonly fqdn: string; readonly publicIp: string }
  | { readonly type: 'host-orphan'; readonly owner: string; readonly id: number; readonly domain: string }
  | { readonly type: 'host-missing' | 'host-forward'; readonly site: HostSite }
  | { readonly type: 'host-names'; readonly id: number; readonly site: HostSite }
  | { readonly type: 'zone-orphan'; readonly owner: string; readonly domain: string }
  | { readonly type: 'zone-missing' | 'zone-records'; readonly domain: string; readonly publicIp: string; readonly privateIp: string };

/** A name a proxy host must serve: the site itself or one of its custom domains. */
export interface HostSite {
  readonly name: string;
  readonly customDomain: boolean;
  readonly privateIp: string;
  readonly publicIp: string;
}

export interface Finding {
  readonly kind: FindingKind;
  /** `provisiond` for a busy service (nothing external is judged). */
  readonly system: System | 'provisiond';
  /** What is affected, for people: `container 1000`, `A record a.example.com`, … */
  readonly resource: string;
  readonly serviceId: string;
  readonly detail: string;
  /**
   * The service's state when it was judged (absent: not in the database). A repair runs only
   * while the service is still in this state.
   */
  readonly serviceState?: string;
  /** Absent for `busy`. */
  readonly issue?: Issue;
}
