/** Reading the append-only transition log: the feed's backlog and a service's history. */
import type { Db } from './database.js';
import type { Store, TransitionRow } from './types.js';

interface Row {
  readonly seq: number;
  readonly serviceId: string;
  readonly from: string | null;
  readonly to: string;
  readonly event: string;
  readonly step: string | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly at: number;
}

const COLUMNS = `seq, service_id AS serviceId, from_state AS "from", to_state AS "to", event, step,
  error_code AS errorCode, error_message AS errorMessage, at`;

function toTransition(row: Row): TransitionRow {
  const { errorCode, errorMessage, ...rest } = row;
  // The table's CHECK keeps code and message both set or both null.
  return { ...rest, error: errorCode === null || errorMessage === null ? null : { code: errorCode, message: errorMessage } };
}

export function createTransitionStore(db: Db): Store['transitions'] {
  const afterAll = db.prepare<[number, number], Row>(`SELECT ${COLUMNS} FROM transitions WHERE seq > ? ORDER BY seq LIMIT ?`);
  const afterForService = db.prepare<[string, number, number], Row>(
    `SELECT ${COLUMNS} FROM transitions WHERE service_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
  );
  const newest = db.prepare<[string, number], Row>(`SELECT ${COLUMNS} FROM transitions WHERE service_id = ? ORDER BY seq DESC LIMIT ?`);
  // Rows are never deleted (a trigger forbids it), so the largest seq is the last one issued.
  const maxSeq = db.prepare<[], number>('SELECT coalesce(max(seq), 0) FROM transitions').pluck();

  return {
    after: (seq, { serviceId, limit }) =>
      (serviceId === undefined ? afterAll.all(seq, limit) : afterForService.all(serviceId, seq, limit)).map(toTransition),
    recent: (serviceId, limit) => newest.all(serviceId, limit).reverse().map(toTransition),
    lastSeq: () => maxSeq.get() ?? 0,
  };
}
