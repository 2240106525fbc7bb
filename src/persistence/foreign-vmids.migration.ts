/**
 * Migration 3: VMIDs that Proxmox reports as taken by something that is not ours (a guest made
 * by hand, another tool). The allocator skips them for good, so each is discovered once, not
 * by every new service that would otherwise be handed the same "lowest free" number.
 *
 * A live allocation may now change in exactly one way besides being released: its VMID moves
 * off a number recorded here. The history trigger is replaced to allow only that, and a new
 * trigger keeps the per-block counters exact across the move.
 */
export const FOREIGN_VMIDS_SCHEMA = `
CREATE TABLE foreign_vmids (
  vmid INTEGER PRIMARY KEY,
  seen_at INTEGER NOT NULL,
  seen_by TEXT NOT NULL REFERENCES services (service_id)
) STRICT;

DROP TRIGGER allocations_are_history;
CREATE TRIGGER allocations_are_history BEFORE UPDATE ON allocations
WHEN old.released_at IS NOT NULL
  OR new.service_id IS NOT old.service_id OR new.subdomain IS NOT old.subdomain
  OR new.private_ip_num IS NOT old.private_ip_num OR new.allocated_at IS NOT old.allocated_at
  OR NOT (
    (new.released_at IS NOT NULL AND new.vmid IS old.vmid)
    OR (new.released_at IS NULL AND new.vmid IS NOT old.vmid AND old.vmid IN (SELECT vmid FROM foreign_vmids))
  )
BEGIN
  SELECT RAISE(ABORT, 'allocations are history: a live allocation can only be released, or leave a foreign VMID');
END;

CREATE TRIGGER allocations_count_moved AFTER UPDATE OF vmid ON allocations
WHEN new.released_at IS NULL AND new.vmid IS NOT old.vmid
BEGIN
  UPDATE allocation_blocks SET live = live - 1 WHERE kind = 'vmid' AND block = old.vmid >> 8;
  INSERT INTO allocation_blocks (kind, block, live) VALUES ('vmid', new.vmid >> 8, 1)
    ON CONFLICT (kind, block) DO UPDATE SET live = live + 1;
END;
`;
