/** Actor snapshots, written together with their transition row and the service's position. */
import type { Db } from './database.js';
import type { Store, StoredSnapshot, TransitionCommit } from './types.js';

interface SnapshotRow {
  readonly machineVersion: number;
  readonly snapshot: string;
  readonly final: number;
}

export function createActorStore(db: Db): Store['actors'] {
  const upsertSnapshot = db.prepare<[string, number, string, number, number, number]>(`
    INSERT INTO actor_snapshots (service_id, machine_version, snapshot, final, resting, updated_at) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (service_id) DO UPDATE SET
      machine_version = excluded.machine_version, snapshot = excluded.snapshot,
      final = excluded.final, resting = excluded.resting, updated_at = excluded.updated_at`);
  const appendTransition = db.prepare<[string, string | null, string, string, string | null, string | null, string | null, number]>(`
    INSERT INTO transitions (service_id, from_state, to_state, event, step, error_code, error_message, at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  // The top-level state changes on few transitions; naming it in every UPDATE would rewrite
  // its services_by_state index entry on each commit (about a sixth of a commit's cost,
  // docs/performance.md §2). So the position is written always and the state only when it moved.
  const updatePosition = db.prepare<[string | null, number, string]>('UPDATE services SET step = ?, updated_at = ? WHERE service_id = ?');
  const updateState = db.prepare<[string, string, string]>('UPDATE services SET state = ? WHERE service_id = ? AND state <> ?');
  // The WHERE clauses make the common case (no plan change) a read, not a write.
  const updatePlan = db.prepare<[string, string, string]>('UPDATE services SET plan = ? WHERE service_id = ? AND plan <> ?');
  const updateQuota = db.prepare<[number, string, number]>('UPDATE services SET domain_quota = ? WHERE service_id = ? AND domain_quota <> ?');
  const selectSnapshot = db.prepare<[string], SnapshotRow>(
    'SELECT machine_version AS machineVersion, snapshot, final FROM actor_snapshots WHERE service_id = ?',
  );
  // Awake snapshots come from the partial index actor_snapshots_awake and "no snapshot yet"
  // (created, but its actor never committed: start it) from the primary key's index, so the
  // large snapshot rows of services at rest are never read (migration 4). Version -1: none asked.
  const selectResumable = db
    .prepare<[{ version: number }], string>(`
      SELECT s.service_id FROM services s
      WHERE s.state <> 'deleted' AND (
        s.service_id IN (SELECT service_id FROM actor_snapshots WHERE final = 0 AND resting = 0)
        OR s.service_id IN (SELECT service_id FROM actor_snapshots WHERE final = 0 AND resting = 1 AND machine_version <> @version AND @version >= 0)
        OR s.service_id NOT IN (SELECT service_id FROM actor_snapshots))
      ORDER BY s.created_at, s.service_id`)
    .pluck();
  const markResting = db.prepare<[string]>('UPDATE actor_snapshots SET resting = 1 WHERE service_id = ? AND final = 0');
  const countResting = db.prepare<[], number>('SELECT count(*) FROM actor_snapshots WHERE final = 0 AND resting = 1').pluck();

  const commit = db.transaction((change: TransitionCommit): number => {
    // The foreign key on actor_snapshots rejects a service that was never created.
    upsertSnapshot.run(change.serviceId, change.machineVersion, change.snapshot, change.final ? 1 : 0, change.resting === true ? 1 : 0, change.at);
    const { lastInsertRowid } = appendTransition.run(
      change.serviceId,
      change.from,
      change.to,
      change.event,
      change.step,
      change.error?.code ?? null,
      change.error?.message ?? null,
      change.at,
    );
    updatePosition.run(change.step, change.at, change.serviceId);
    updateState.run(change.state, change.serviceId, change.state);
    if (change.plan !== undefined) {
      updatePlan.run(change.plan.name, change.serviceId, change.plan.name);
      updateQuota.run(change.plan.domainQuota, change.serviceId, change.plan.domainQuota);
    }
    return Number(lastInsertRowid);
  });

  return {
    commit: (change) => commit.immediate(change),
    load: (serviceId): StoredSnapshot | undefined => {
      const row = selectSnapshot.get(serviceId);
      return row === undefined ? undefined : { machineVersion: row.machineVersion, snapshot: row.snapshot, final: row.final === 1 };
    },
    resumable: (currentVersion) => selectResumable.all({ version: currentVersion ?? -1 }),
    restingCount: () => countResting.get() ?? 0,
    rest: (serviceId) => {
      markResting.run(serviceId);
    },
  };
}
