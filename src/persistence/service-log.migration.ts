/**
 * Migration 2: a bounded log per service — the installer's output and other effect output an
 * operator reads when a step fails. Lines beyond the newest LOG_LINES_KEPT of a service are
 * pruned on append; the transition log, not this one, is the audit trail.
 */
export const SERVICE_LOG_SCHEMA = `
CREATE TABLE service_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  service_id TEXT NOT NULL REFERENCES services (service_id),
  at INTEGER NOT NULL,
  line TEXT NOT NULL
) STRICT;
CREATE INDEX service_log_by_service ON service_log (service_id, id);
`;
