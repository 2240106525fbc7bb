/**
 * The persistence contract: everything the rest of provisiond may ask of SQLite.
 * Only src/persistence speaks SQL; callers see these plain records.
 * Times are epoch milliseconds (numbers) in and out.
 */

/** The seed's tracking record, plus the current lifecycle position. */
export interface ServiceRecord {
  readonly serviceId: string;
  readonly email: string;
  readonly plan: string;
  readonly publicIp: string;
  /** Kept after deletion for the audit trail; the allocation row says whether it is still held. */
  readonly vmid: number;
  readonly privateIp: string;
  readonly subdomain: string;
  readonly createdAt: number;
  /** Top-level lifecycle state (pending, allocating, provisioning, active, ...). */
  readonly state: string;
  /** The deepest active step, e.g. "provisioning.site.install.running", or null. */
  readonly step: string | null;
  readonly updatedAt: number;
  /** When the allocation (IP, VMID, subdomain) was given back, or null while held. */
  readonly releasedAt: number | null;
  /** The plan's custom-domain quota, from the domain management row. */
  readonly domainQuota: number;
}

export interface NewService {
  readonly serviceId: string;
  readonly email: string;
  readonly plan: string;
  readonly publicIp: string;
  readonly domainQuota: number;
}

/** Where allocations come from. Ranges are inclusive. */
export interface AllocationPolicy {
  readonly ipPool: { readonly first: string; readonly last: string };
  readonly vmidRange: { readonly first: number; readonly last: number };
  /** Subdomains never handed out (www, mail, ...). */
  readonly reservedSubdomains: readonly string[];
  /** Source of randomness for collision suffixes, in [0, 1). */
  readonly random: () => number;
}

export interface Allocation {
  readonly subdomain: string;
  readonly privateIp: string;
  readonly vmid: number;
}

export interface CreateServiceResult {
  readonly record: ServiceRecord;
  /** False when the service already existed: creation is idempotent on serviceId. */
  readonly created: boolean;
}

/** One committed change of a service actor: snapshot and log row are written together. */
export interface TransitionCommit {
  readonly serviceId: string;
  readonly machineVersion: number;
  /** The persisted snapshot, already JSON. */
  readonly snapshot: string;
  /** True when the snapshot is final (the service reached `deleted`). */
  readonly final: boolean;
  /**
   * True when the service is at rest in this snapshot (a stable state, no effect or timer in
   * flight): boot leaves it without an actor until its next command. Absent: false.
   */
  readonly resting?: boolean;
  /** Top-level state after the change, copied to the service record. */
  readonly state: string;
  /** The plan the service now has, copied to the record (a plan change commits with its transition). */
  readonly plan?: { readonly name: string; readonly domainQuota: number };
  /** Deepest active step after the change, copied to the service record. */
  readonly step: string | null;
  /** Full state path before and after, e.g. "provisioning.site.install.running". */
  readonly from: string | null;
  readonly to: string;
  /** The event type that caused the change. */
  readonly event: string;
  /** The failure recorded by this change, if any. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly at: number;
}

export interface TransitionRow {
  /** Monotonically increasing across the whole database, never reused, no gaps. */
  readonly seq: number;
  readonly serviceId: string;
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
  readonly step: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly at: number;
}

export interface StoredSnapshot {
  readonly machineVersion: number;
  readonly snapshot: string;
  readonly final: boolean;
}

export interface DomainRecord {
  readonly serviceId: string;
  readonly domain: string;
  readonly state: string;
  /** The value the customer publishes in TXT to prove ownership. Not a secret. */
  readonly verificationToken: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly removedAt: number | null;
}

/** One webhook delivery as received. */
export interface InboxEntry {
  readonly id: number;
  readonly idempotencyKey: string | null;
  /** The command, as JSON, so it can be replayed after a crash. */
  readonly command: string;
  readonly serviceId: string;
  readonly receivedAt: number;
  readonly completedAt: number | null;
  /** The outcome, as JSON, once completed. */
  readonly outcome: string | null;
}

/** One line of a service's log (installer output and the like). */
export interface LogLine {
  readonly id: number;
  readonly serviceId: string;
  readonly at: number;
  readonly line: string;
}

export interface ListServicesQuery {
  readonly state?: string;
  /** Keyset pagination: services whose id sorts after this one. */
  readonly after?: string;
  readonly limit: number;
}

export interface Store {
  readonly services: {
    /**
     * In one IMMEDIATE transaction: return the existing service unchanged, or insert the
     * service record, its allocation (subdomain, private IP, VMID: unique among live
     * services) and its domain management row. Throws AppError IP_POOL_EXHAUSTED,
     * VMID_RANGE_EXHAUSTED or SUBDOMAIN_EXHAUSTED with nothing written.
     */
    create(service: NewService, policy: AllocationPolicy, now: number): CreateServiceResult;
    get(serviceId: string): ServiceRecord | undefined;
    list(query: ListServicesQuery): ServiceRecord[];
    /** Live allocation of a service, or undefined once released. */
    allocation(serviceId: string): Allocation | undefined;
    /** Give the IP, VMID and subdomain back to the pools. Idempotent. */
    releaseAllocation(serviceId: string, now: number): void;
    /**
     * Proxmox showed `vmid` to belong to someone else: remember it as foreign (never handed out
     * again) and move the service to the lowest free VMID, keeping its subdomain and IP. A
     * repeat after the move changes nothing. Throws VMID_RANGE_EXHAUSTED with nothing written.
     */
    replaceForeignVmid(serviceId: string, vmid: number, policy: AllocationPolicy, now: number): Allocation;
    count(): number;
  };
  readonly actors: {
    /** Snapshot upsert + transition append + service state update, one transaction. Returns seq. */
    commit(change: TransitionCommit): number;
    load(serviceId: string): StoredSnapshot | undefined;
    /**
     * Services to restore (or start) at boot, oldest first: no final snapshot and not at rest.
     * With `currentVersion`, services at rest whose snapshot another machine version wrote are
     * listed too, so boot can refuse them loudly rather than on their next command.
     */
    resumable(currentVersion?: number): string[];
    /** Services at rest (not final): boot restores no actor for them. */
    restingCount(): number;
    /** Flag the stored snapshot as at rest (one committed before the flag existed). */
    rest(serviceId: string): void;
  };
  readonly transitions: {
    after(seq: number, options: { serviceId?: string; limit: number }): TransitionRow[];
    /** The last `limit` transitions of a service, oldest first. */
    recent(serviceId: string, limit: number): TransitionRow[];
    lastSeq(): number;
  };
  readonly domains: {
    list(serviceId: string): DomainRecord[];
    /** Insert or update by (serviceId, domain). */
    upsert(domain: { serviceId: string; domain: string; state: string; verificationToken: string }, now: number): DomainRecord;
    markRemoved(serviceId: string, domain: string, now: number): void;
    /** The live (not removed) owner of a domain, if any. */
    owner(domain: string): string | undefined;
  };
  readonly inbox: {
    /**
     * Record a delivery. With a key seen before, nothing is inserted and the earlier entry
     * is returned (`duplicate: true`) so the caller can answer with its outcome.
     */
    accept(delivery: { idempotencyKey: string | null; serviceId: string; command: string }, now: number): { entry: InboxEntry; duplicate: boolean };
    complete(id: number, outcome: string, now: number): void;
    /** The delivery recorded under `idempotencyKey`, if any. */
    find(idempotencyKey: string): InboxEntry | undefined;
    /**
     * Record a delivery and its outcome in one row: for a command applied in the same
     * transaction (a create), so the row is written once instead of inserted and completed.
     */
    record(delivery: { idempotencyKey: string | null; serviceId: string; command: string; outcome: string }, now: number): void;
    /** Deliveries accepted but never completed (the process died in between). */
    incomplete(): InboxEntry[];
  };
  readonly logs: {
    /** Append a line; the oldest lines beyond the per-service bound are pruned. */
    append(serviceId: string, line: string, at: number): LogLine;
    /** The newest `limit` lines of a service, oldest first. */
    tail(serviceId: string, limit: number): LogLine[];
  };
  /**
   * Run `work` in one IMMEDIATE transaction: the store's own transactions inside it become
   * savepoints, so everything it writes is committed together or not at all.
   */
  transaction<T>(work: () => T): T;
  /**
   * Run `work` in the commit group of this event-loop turn (commit-group.ts): committed with
   * the others at the turn's end, or before any write outside the group. `undo` runs if that
   * commit fails. Answer only after `committed()`.
   */
  groupCommit<T>(work: () => T, undo?: () => void): T;
  /** Told how long each group commit took: work the commands did, done after they returned. */
  onGroupCommit(listener: (durationMs: number) => void): () => void;
  /** Resolves once everything written so far is committed; rejects if its group's commit failed. */
  committed(): Promise<void>;
  /** Commits what the group holds, then closes the connection. */
  close(): void;
}
