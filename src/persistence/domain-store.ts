/**
 * Custom domains of a service. A domain is live until removed; a removed row stays as
 * history, and adding the domain again makes a new row.
 */
import { AppError } from '../errors.js';
import type { Db } from './database.js';
import type { DomainRecord, Store } from './types.js';

const COLUMNS = `service_id AS serviceId, domain, state, verification_token AS verificationToken,
  created_at AS createdAt, updated_at AS updatedAt, removed_at AS removedAt`;

interface DomainChange {
  readonly serviceId: string;
  readonly domain: string;
  readonly state: string;
  readonly verificationToken: string;
  readonly now: number;
}

export function createDomainStore(db: Db): Store['domains'] {
  const selectByService = db.prepare<[string], DomainRecord>(`SELECT ${COLUMNS} FROM domains WHERE service_id = ? ORDER BY id`);
  const updateLive = db.prepare<[DomainChange], DomainRecord>(`
    UPDATE domains SET state = @state, verification_token = @verificationToken, updated_at = @now
    WHERE service_id = @serviceId AND domain = @domain AND removed_at IS NULL
    RETURNING ${COLUMNS}`);
  const insert = db.prepare<[DomainChange], DomainRecord>(`
    INSERT INTO domains (service_id, domain, state, verification_token, created_at, updated_at)
    VALUES (@serviceId, @domain, @state, @verificationToken, @now, @now)
    RETURNING ${COLUMNS}`);
  const remove = db.prepare<[number, number, string, string]>(
    'UPDATE domains SET removed_at = ?, updated_at = ? WHERE service_id = ? AND domain = ? AND removed_at IS NULL',
  );
  const selectOwner = db.prepare<[string], string>('SELECT service_id FROM domains WHERE domain = ? AND removed_at IS NULL').pluck();

  const upsert = db.transaction((change: DomainChange): DomainRecord => {
    const updated = updateLive.get(change);
    if (updated !== undefined) return updated;
    const owner = selectOwner.get(change.domain);
    if (owner !== undefined) {
      throw new AppError('DOMAIN_TAKEN', `domain ${change.domain} is already attached to another service`, { field: 'domain' });
    }
    const inserted = insert.get(change);
    // RETURNING always yields the inserted row; undefined would mean the driver changed.
    if (inserted === undefined) throw new AppError('INTERNAL', 'domain insert returned no row');
    return inserted;
  });

  return {
    list: (serviceId) => selectByService.all(serviceId),
    upsert: (domain, now) => upsert.immediate({ ...domain, now }),
    markRemoved: (serviceId, domain, now) => {
      remove.run(now, now, serviceId, domain);
    },
    owner: (domain) => selectOwner.get(domain),
  };
}
