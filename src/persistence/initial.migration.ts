/**
 * Migration 1: the whole schema of the first release. Times are epoch milliseconds.
 * Rows describing the past (allocations, removed domains, transitions) are kept forever:
 * the audit trail outlives the service.
 */
export const INITIAL_SCHEMA = `
CREATE TABLE services (
  service_id TEXT PRIMARY KEY CHECK (service_id <> ''),
  email TEXT NOT NULL,
  plan TEXT NOT NULL,
  vmid INTEGER NOT NULL,
  private_ip TEXT NOT NULL,
  subdomain TEXT NOT NULL,
  public_ip TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  step TEXT,
  updated_at INTEGER NOT NULL
) STRICT;
-- Serves list({ state, after }) in keyset order.
CREATE INDEX services_by_state ON services (state, service_id);

-- At most one allocation per service; uniqueness is among live rows only, so a released
-- address, VMID or subdomain can be handed out again while the old row stays as history.
CREATE TABLE allocations (
  service_id TEXT PRIMARY KEY REFERENCES services (service_id),
  subdomain TEXT NOT NULL,
  -- Stored as a number so the pool can be searched in address order; the dotted form is derived.
  private_ip_num INTEGER NOT NULL CHECK (private_ip_num BETWEEN 0 AND 4294967295),
  private_ip TEXT GENERATED ALWAYS AS (
    (private_ip_num >> 24) || '.' || ((private_ip_num >> 16) & 255) || '.' ||
    ((private_ip_num >> 8) & 255) || '.' || (private_ip_num & 255)
  ) VIRTUAL,
  vmid INTEGER NOT NULL CHECK (vmid >= 0),
  allocated_at INTEGER NOT NULL,
  released_at INTEGER
) STRICT;
CREATE UNIQUE INDEX allocations_live_subdomain ON allocations (subdomain) WHERE released_at IS NULL;
CREATE UNIQUE INDEX allocations_live_private_ip ON allocations (private_ip_num) WHERE released_at IS NULL;
CREATE UNIQUE INDEX allocations_live_vmid ON allocations (vmid) WHERE released_at IS NULL;

-- How many live allocations fall in each block of 256 addresses or VMIDs. The search for the
-- lowest free value skips full blocks here instead of reading every live row (100k services).
-- Kept exact by the triggers below, which is why allocations only change by being released.
CREATE TABLE allocation_blocks (
  kind TEXT NOT NULL CHECK (kind IN ('ip', 'vmid')),
  block INTEGER NOT NULL,
  live INTEGER NOT NULL CHECK (live BETWEEN 0 AND 256),
  PRIMARY KEY (kind, block)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER allocations_are_history BEFORE UPDATE ON allocations
WHEN old.released_at IS NOT NULL OR new.released_at IS NULL
  OR new.service_id IS NOT old.service_id OR new.subdomain IS NOT old.subdomain
  OR new.private_ip_num IS NOT old.private_ip_num OR new.vmid IS NOT old.vmid
  OR new.allocated_at IS NOT old.allocated_at
BEGIN
  SELECT RAISE(ABORT, 'allocations are history: a live allocation can only be released');
END;
CREATE TRIGGER allocations_are_kept BEFORE DELETE ON allocations
BEGIN
  SELECT RAISE(ABORT, 'allocations are history: they are released, never deleted');
END;
CREATE TRIGGER allocations_count_allocated AFTER INSERT ON allocations
WHEN new.released_at IS NULL
BEGIN
  INSERT INTO allocation_blocks (kind, block, live) VALUES ('ip', new.private_ip_num >> 8, 1)
    ON CONFLICT (kind, block) DO UPDATE SET live = live + 1;
  INSERT INTO allocation_blocks (kind, block, live) VALUES ('vmid', new.vmid >> 8, 1)
    ON CONFLICT (kind, block) DO UPDATE SET live = live + 1;
END;
CREATE TRIGGER allocations_count_released AFTER UPDATE OF released_at ON allocations
BEGIN
  UPDATE allocation_blocks SET live = live - 1 WHERE kind = 'ip' AND block = old.private_ip_num >> 8;
  UPDATE allocation_blocks SET live = live - 1 WHERE kind = 'vmid' AND block = old.vmid >> 8;
END;

-- The mission's domain management row, created with the service.
CREATE TABLE domain_quotas (
  service_id TEXT PRIMARY KEY REFERENCES services (service_id),
  quota INTEGER NOT NULL CHECK (quota >= 0)
) STRICT;

-- Host names are case-insensitive, so "Example.com" and "example.com" are one domain.
CREATE TABLE domains (
  id INTEGER PRIMARY KEY,
  service_id TEXT NOT NULL REFERENCES services (service_id),
  domain TEXT NOT NULL COLLATE NOCASE,
  state TEXT NOT NULL,
  verification_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  removed_at INTEGER
) STRICT;
CREATE UNIQUE INDEX domains_live ON domains (domain) WHERE removed_at IS NULL;
CREATE INDEX domains_by_service ON domains (service_id, domain);

CREATE TABLE actor_snapshots (
  service_id TEXT PRIMARY KEY REFERENCES services (service_id),
  machine_version INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  final INTEGER NOT NULL CHECK (final IN (0, 1)),
  updated_at INTEGER NOT NULL
) STRICT;

-- AUTOINCREMENT: a seq is never reused, so a feed client resuming "after seq N" is never
-- served a different row under an old number.
CREATE TABLE transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  service_id TEXT NOT NULL REFERENCES services (service_id),
  from_state TEXT,
  to_state TEXT NOT NULL,
  event TEXT NOT NULL,
  step TEXT,
  error_code TEXT,
  error_message TEXT,
  at INTEGER NOT NULL,
  CHECK ((error_code IS NULL) = (error_message IS NULL))
) STRICT;
CREATE INDEX transitions_by_service ON transitions (service_id, seq);
CREATE TRIGGER transitions_no_update BEFORE UPDATE ON transitions
BEGIN
  SELECT RAISE(ABORT, 'transitions are append-only');
END;
CREATE TRIGGER transitions_no_delete BEFORE DELETE ON transitions
BEGIN
  SELECT RAISE(ABORT, 'transitions are append-only');
END;

-- No foreign key on service_id: the delivery that creates a service arrives before it exists.
CREATE TABLE inbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  idempotency_key TEXT UNIQUE,
  service_id TEXT NOT NULL,
  command TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  completed_at INTEGER,
  outcome TEXT
) STRICT;
CREATE INDEX inbox_incomplete ON inbox (id) WHERE completed_at IS NULL;
`;
