/**
 * The daemon's SQLite file, opened read-only after the daemon has stopped: the transition
 * log, each service's recorded state and allocation, the webhook inbox, and SQLite's own
 * integrity and foreign-key checks. Reading it directly, not through the API, is the point:
 * the audit trail must hold on disk whatever the daemon says.
 */
import Database from 'better-sqlite3';

export interface TransitionRecord {
  readonly seq: number;
  readonly serviceId: string;
  readonly from: string | null;
  readonly to: string;
}

export interface ServiceRecord {
  readonly serviceId: string;
  readonly state: string;
  /** Allocations not released yet (one for a live service, none for a deleted one). */
  readonly liveAllocations: number;
}

export interface DatabaseReading {
  readonly transitions: readonly TransitionRecord[];
  readonly services: readonly ServiceRecord[];
  /** Webhook deliveries accepted but never completed. */
  readonly incompleteInbox: number;
  /** PRAGMA integrity_check, one line per finding ("ok" alone when sound). */
  readonly integrity: readonly string[];
  readonly foreignKeyProblems: number;
}

export function readDatabase(path: string): DatabaseReading {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const transitions = db
      .prepare<[], TransitionRecord>('SELECT seq, service_id AS serviceId, from_state AS "from", to_state AS "to" FROM transitions ORDER BY seq')
      .all();
    const services = db
      .prepare<[], ServiceRecord>(`
        SELECT s.service_id AS serviceId, s.state,
          (SELECT count(*) FROM allocations a WHERE a.service_id = s.service_id AND a.released_at IS NULL) AS liveAllocations
        FROM services s ORDER BY s.service_id`)
      .all();
    const incompleteInbox = db.prepare<[], number>('SELECT count(*) FROM inbox WHERE completed_at IS NULL').pluck().get() ?? 0;
    const integrity = db.prepare<[], string>('PRAGMA integrity_check').pluck().all();
    const foreignKeyProblems = db.prepare('PRAGMA foreign_key_check').all().length;
    return { transitions, services, incompleteInbox, integrity, foreignKeyProblems };
  } finally {
    db.close();
  }
}
