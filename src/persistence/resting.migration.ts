/**
 * Migration 4: services at rest. An actor whose service is at rest — a stable state such as
 * `active`, `suspended` or `failed`, with no effect invoked and no durable timer pending — is
 * not restored at boot; the registry wakes it from this snapshot on its next command
 * (passivation, as virtual-actor systems do). The flag is written with the snapshot, in the
 * same transaction, so it can never describe another snapshot than the one stored.
 *
 * The partial indexes keep boot independent of the number of idle services: the awake rows
 * are read from a small index instead of every snapshot (each one a page or more).
 */
export const RESTING_SCHEMA = `
ALTER TABLE actor_snapshots ADD COLUMN resting INTEGER NOT NULL DEFAULT 0 CHECK (resting IN (0, 1));
CREATE INDEX actor_snapshots_awake ON actor_snapshots (service_id) WHERE final = 0 AND resting = 0;
CREATE INDEX actor_snapshots_resting ON actor_snapshots (machine_version, service_id) WHERE final = 0 AND resting = 1;
`;
