/**
 * Migration 5: fewer pages written per accepted create. Committing a create writes every B-tree
 * page it touched to the WAL again, and each table or index it touches is at least one page:
 * ~17 pages, the largest part of a create's cost (docs/performance.md §4). Three of those trees
 * held nothing a separate tree needs:
 *
 * - `domain_quotas` held one number per service, always written with it and read with it
 *   (two trees: the table and its key's index). The quota is now a column of `services`.
 * - The inbox's AUTOINCREMENT kept a counter row in `sqlite_sequence`, rewritten on each
 *   delivery. Inbox rows are never deleted, so the largest id plus one, SQLite's default, never
 *   hands out an id twice either.
 * - Its UNIQUE key indexed every delivery, most of which carry no Idempotency-Key (NULL). The
 *   index is now partial: only deliveries with a key are in it, and only they can conflict.
 *
 * The inbox is rebuilt to drop AUTOINCREMENT and the inline UNIQUE (SQLite alters neither);
 * its ids are copied, so stored outcomes and the replay order stay as they were.
 */
export const SLIM_CREATE_SCHEMA = `
ALTER TABLE services ADD COLUMN domain_quota INTEGER NOT NULL DEFAULT 0 CHECK (domain_quota >= 0);
UPDATE services SET domain_quota = (SELECT quota FROM domain_quotas q WHERE q.service_id = services.service_id)
  WHERE service_id IN (SELECT service_id FROM domain_quotas);
DROP TABLE domain_quotas;

CREATE TABLE inbox_slim (
  id INTEGER PRIMARY KEY,
  idempotency_key TEXT,
  service_id TEXT NOT NULL,
  command TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  completed_at INTEGER,
  outcome TEXT
) STRICT;
INSERT INTO inbox_slim (id, idempotency_key, service_id, command, received_at, completed_at, outcome)
  SELECT id, idempotency_key, service_id, command, received_at, completed_at, outcome FROM inbox ORDER BY id;
DROP TABLE inbox;
ALTER TABLE inbox_slim RENAME TO inbox;
DELETE FROM sqlite_sequence WHERE name = 'inbox';
CREATE UNIQUE INDEX inbox_by_key ON inbox (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX inbox_incomplete ON inbox (id) WHERE completed_at IS NULL;
`;
