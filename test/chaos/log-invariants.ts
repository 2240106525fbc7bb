/**
 * What must hold in the database after a run however often the daemon died: the transition
 * log is gapless (seq 1, 2, 3, … with no hole — a hole means a commit was half-lost) and each
 * service's chain is continuous (every row starts where that service's previous row ended,
 * the first from nowhere), its last row is the state the service record holds, a live service
 * holds one allocation and a deleted one none, every accepted webhook was completed, and
 * SQLite finds the file sound. Pure: database-reading.ts reads it.
 */
import type { DatabaseReading } from './database-reading.js';

/** "active" from "active", "provisioning" from "provisioning.building.site…|provisioning.…". */
const topState = (path: string): string => path.split('|')[0]?.split('.')[0] ?? path;

export function checkDatabase(reading: DatabaseReading, serviceIds: readonly string[]): string[] {
  const problems: string[] = [];
  // Only the first gap is reported: every row after it would repeat it.
  const gap = reading.transitions.findIndex((row, index) => row.seq !== index + 1);
  if (gap >= 0) problems.push(`transition log: row ${gap + 1} has seq ${reading.transitions[gap]?.seq} where ${gap + 1} was due (a gap or a reused number)`);

  const last = new Map<string, string | null>();
  for (const row of reading.transitions) {
    const before = last.has(row.serviceId) ? last.get(row.serviceId) : null;
    if (row.from !== before) {
      problems.push(`transition log: ${row.serviceId} seq ${row.seq} starts from ${row.from ?? 'nothing'} but its previous row ended in ${before ?? 'nothing'}`);
    }
    last.set(row.serviceId, row.to);
  }

  const records = new Map(reading.services.map((s) => [s.serviceId, s]));
  for (const serviceId of serviceIds) {
    const record = records.get(serviceId);
    if (record === undefined) {
      problems.push(`database: no service record for ${serviceId}`);
      continue;
    }
    const ended = last.get(serviceId);
    if (ended === undefined || ended === null) problems.push(`transition log: ${serviceId} has no transition`);
    else if (topState(ended) !== record.state) problems.push(`database: ${serviceId} is recorded ${record.state} but its last transition ended in ${ended}`);
    const wanted = record.state === 'deleted' ? 0 : 1;
    if (record.liveAllocations !== wanted) problems.push(`database: ${serviceId} (${record.state}) holds ${record.liveAllocations} live allocations, should hold ${wanted}`);
  }
  if (reading.incompleteInbox > 0) problems.push(`inbox: ${reading.incompleteInbox} accepted deliveries were never completed`);
  if (reading.integrity.length !== 1 || reading.integrity[0] !== 'ok') problems.push(`PRAGMA integrity_check: ${reading.integrity.join('; ')}`);
  if (reading.foreignKeyProblems > 0) problems.push(`PRAGMA foreign_key_check: ${reading.foreignKeyProblems} rows`);
  return problems;
}
