/**
 * The webhook inbox: each delivery is recorded before it is acted on, so a duplicate is
 * answered from the first one's outcome and a crash leaves the unfinished ones to replay.
 */
import { AppError } from '../errors.js';
import type { Db } from './database.js';
import type { InboxEntry, Store } from './types.js';

const COLUMNS = `id, idempotency_key AS idempotencyKey, command, service_id AS serviceId,
  received_at AS receivedAt, completed_at AS completedAt, outcome`;

export function createInboxStore(db: Db): Store['inbox'] {
  // DO NOTHING + RETURNING yields no row on a duplicate key; a NULL key never conflicts.
  const insert = db.prepare<[string | null, string, string, number], InboxEntry>(`
    INSERT INTO inbox (idempotency_key, service_id, command, received_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING ${COLUMNS}`);
  const insertCompleted = db.prepare<[string | null, string, string, number, number, string]>(
    'INSERT INTO inbox (idempotency_key, service_id, command, received_at, completed_at, outcome) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const selectByKey = db.prepare<[string], InboxEntry>(`SELECT ${COLUMNS} FROM inbox WHERE idempotency_key = ?`);
  // The first outcome stands: completing twice does not rewrite what a duplicate was told.
  const complete = db.prepare<[number, string, number]>('UPDATE inbox SET completed_at = ?, outcome = ? WHERE id = ? AND completed_at IS NULL');
  const selectIncomplete = db.prepare<[], InboxEntry>(`SELECT ${COLUMNS} FROM inbox WHERE completed_at IS NULL ORDER BY id`);

  return {
    accept: ({ idempotencyKey, serviceId, command }, now) => {
      const entry = insert.get(idempotencyKey, serviceId, command, now);
      if (entry !== undefined) return { entry, duplicate: false };
      // Only a key can conflict, and inbox rows are never deleted, so the earlier one is there.
      const earlier = idempotencyKey === null ? undefined : selectByKey.get(idempotencyKey);
      if (earlier === undefined) throw new AppError('INTERNAL', 'inbox insert was skipped but no earlier delivery has its key');
      return { entry: earlier, duplicate: true };
    },
    complete: (id, outcome, now) => {
      complete.run(now, outcome, id);
    },
    find: (idempotencyKey) => selectByKey.get(idempotencyKey),
    record: ({ idempotencyKey, serviceId, command, outcome }, now) => {
      insertCompleted.run(idempotencyKey, serviceId, command, now, now, outcome);
    },
    incomplete: () => selectIncomplete.all(),
  };
}
