/** The per-service log: append a line (pruning the oldest beyond the bound) and read the tail. */
import type { Db } from './database.js';
import type { LogLine, Store } from './types.js';

/** Lines kept per service: a full installer run with room to spare. */
export const LOG_LINES_KEPT = 2_000;
/** Lines longer than this are cut: one runaway line must not fill the database. */
export const LOG_LINE_MAX = 4_000;

export function createLogStore(db: Db): Store['logs'] {
  const insert = db.prepare<[string, number, string]>('INSERT INTO service_log (service_id, at, line) VALUES (?, ?, ?)');
  // Delete everything older than the newest LOG_LINES_KEPT lines of that service.
  const prune = db.prepare<[string, string, number]>(`
    DELETE FROM service_log WHERE service_id = ? AND id <= (
      SELECT id FROM service_log WHERE service_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`);
  const tail = db.prepare<[string, number], LogLine>(
    'SELECT id, service_id AS serviceId, at, line FROM service_log WHERE service_id = ? ORDER BY id DESC LIMIT ?',
  );
  const append = db.transaction((serviceId: string, line: string, at: number): LogLine => {
    const text = line.length > LOG_LINE_MAX ? `${line.slice(0, LOG_LINE_MAX)}…` : line;
    const id = Number(insert.run(serviceId, at, text).lastInsertRowid);
    prune.run(serviceId, serviceId, LOG_LINES_KEPT);
    return { id, serviceId, at, line: text };
  });
  return {
    append: (serviceId, line, at) => append(serviceId, line, at),
    tail: (serviceId, limit) => tail.all(serviceId, limit).reverse(),
  };
}
