/** The services table (with each service's domain quota) and its allocation: the seed's tracking record. */
import { createAllocator, createLowestVmid, pickVmid } from './allocation.js';
import { AppError } from '../errors.js';
import type { Db } from './database.js';
import type { Allocation, AllocationPolicy, CreateServiceResult, NewService, ServiceRecord, Store } from './types.js';

// Aliased to the record's field names so rows need no mapping.
const SELECT_RECORD = `
  SELECT s.service_id AS serviceId, s.email, s.plan, s.public_ip AS publicIp, s.vmid,
         s.private_ip AS privateIp, s.subdomain, s.created_at AS createdAt, s.state, s.step,
         s.updated_at AS updatedAt, a.released_at AS releasedAt, s.domain_quota AS domainQuota
  FROM services s
  JOIN allocations a ON a.service_id = s.service_id`;

const INITIAL_STATE = 'pending';

export function createServiceStore(db: Db): Store['services'] {
  const allocate = createAllocator(db);
  const selectOne = db.prepare<[string], ServiceRecord>(`${SELECT_RECORD} WHERE s.service_id = ?`);
  const exists = db.prepare<[string], number>('SELECT 1 FROM services WHERE service_id = ?').pluck();
  // '' sorts before every id (ids are non-empty), so a missing `after` starts at the beginning.
  const selectPage = db.prepare<[string, number], ServiceRecord>(`${SELECT_RECORD} WHERE s.service_id > ? ORDER BY s.service_id LIMIT ?`);
  const selectPageInState = db.prepare<[string, string, number], ServiceRecord>(
    `${SELECT_RECORD} WHERE s.state = ? AND s.service_id > ? ORDER BY s.service_id LIMIT ?`,
  );
  const insertService = db.prepare<[ServiceRecord]>(`
    INSERT INTO services (service_id, email, plan, vmid, private_ip, subdomain, public_ip, created_at, state, step, updated_at, domain_quota)
    VALUES (@serviceId, @email, @plan, @vmid, @privateIp, @subdomain, @publicIp, @createdAt, @state, @step, @updatedAt, @domainQuota)`);
  const insertAllocation = db.prepare<[string, string, number, number, number]>(
    'INSERT INTO allocations (service_id, subdomain, private_ip_num, vmid, allocated_at) VALUES (?, ?, ?, ?, ?)',
  );
  const selectAllocation = db.prepare<[string], Allocation>(
    'SELECT subdomain, private_ip AS privateIp, vmid FROM allocations WHERE service_id = ? AND released_at IS NULL',
  );
  const release = db.prepare<[number, string]>('UPDATE allocations SET released_at = ? WHERE service_id = ? AND released_at IS NULL');
  const countAll = db.prepare<[], number>('SELECT count(*) FROM services').pluck();
  const lowestVmid = createLowestVmid(db);
  const insertForeign = db.prepare<[number, number, string]>('INSERT INTO foreign_vmids (vmid, seen_at, seen_by) VALUES (?, ?, ?) ON CONFLICT (vmid) DO NOTHING');
  // The only change the history trigger allows a live allocation besides its release
  // (migration 3): moving off a VMID recorded as foreign.
  const moveVmid = db.prepare<[number, string]>('UPDATE allocations SET vmid = ? WHERE service_id = ? AND released_at IS NULL');
  const updateVmid = db.prepare<[number, number, string]>('UPDATE services SET vmid = ?, updated_at = ? WHERE service_id = ?');

  const replaceForeignVmid = db.transaction((serviceId: string, vmid: number, policy: AllocationPolicy, now: number): Allocation => {
    const current = selectAllocation.get(serviceId);
    if (current === undefined) throw new AppError('NOT_FOUND', `service ${serviceId} holds no allocation`);
    insertForeign.run(vmid, now, serviceId);
    if (current.vmid === vmid) {
      const next = pickVmid(lowestVmid, policy);
      moveVmid.run(next, serviceId);
      updateVmid.run(next, now, serviceId);
    }
    const allocation = selectAllocation.get(serviceId);
    if (allocation === undefined) throw new AppError('INTERNAL', `service ${serviceId} lost its allocation`);
    return allocation;
  });

  const create = db.transaction((service: NewService, policy: AllocationPolicy, now: number): CreateServiceResult => {
    // A probe of the key alone: nearly every create is new, and the join is for repeats.
    const existing = exists.get(service.serviceId) === undefined ? undefined : selectOne.get(service.serviceId);
    if (existing !== undefined) return { record: existing, created: false };
    const { subdomain, privateIp, privateIpNum, vmid } = allocate(service.email, policy);
    const record: ServiceRecord = {
      serviceId: service.serviceId,
      email: service.email,
      plan: service.plan,
      publicIp: service.publicIp,
      vmid,
      privateIp,
      subdomain,
      createdAt: now,
      state: INITIAL_STATE,
      step: null,
      updatedAt: now,
      releasedAt: null,
      domainQuota: service.domainQuota,
    };
    insertService.run(record);
    insertAllocation.run(record.serviceId, subdomain, privateIpNum, vmid, now);
    return { record, created: true };
  });

  return {
    // IMMEDIATE takes the write lock before the first read: two processes allocating at
    // once queue on busy_timeout instead of both reading the same "lowest free" value.
    create: (service, policy, now) => create.immediate(service, policy, now),
    get: (serviceId) => selectOne.get(serviceId),
    list: ({ state, after = '', limit }) =>
      state === undefined ? selectPage.all(after, limit) : selectPageInState.all(state, after, limit),
    allocation: (serviceId) => selectAllocation.get(serviceId),
    releaseAllocation: (serviceId, now) => {
      release.run(now, serviceId);
    },
    replaceForeignVmid: (serviceId, vmid, policy, now) => replaceForeignVmid.immediate(serviceId, vmid, policy, now),
    count: () => countAll.get() ?? 0,
  };
}
