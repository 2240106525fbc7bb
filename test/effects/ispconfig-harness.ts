/**
 * The ISPConfig simulator on loopback plus the effects pointed at it, and a direct API handle
 * (test/sandbox/ispconfig-client.ts) to build "before the crash" and "somebody else's" state.
 */
import assert from 'node:assert/strict';
import { AppError, type ErrorCode } from '../../src/errors.js';
import { createIspconfigEffects, type IspconfigDeps } from '../../src/effects/ispconfig/ispconfig.effects.js';
import type { IspconfigSimulatorOptions } from '../../src/sandbox/ispconfig/ispconfig-simulator.js';
import { startIspconfig } from '../sandbox/ispconfig-client.js';

export const CONFIG = {
  username: 'provisiond',
  password: 's3cret',
  serverId: 1,
  clientId: 0,
  ns: ['ns1.host.tld', 'ns2.host.tld.'],
  mbox: 'hostmaster.host.tld',
  nsRecords: false,
} as const;

export const SOA = {
  server_id: 1, ns: 'ns1.host.tld.', mbox: 'hostmaster.host.tld.', serial: '2026010101', refresh: '7200', retry: '540',
  expire: '604800', minimum: '3600', ttl: '3600', active: 'y', xfer: '', also_notify: '', update_acl: '',
};

export const signal = (): AbortSignal => new AbortController().signal;

export async function startHarness(effectOptions: Partial<IspconfigDeps> = {}, simOptions: Partial<IspconfigSimulatorOptions> = {}) {
  const users = [{ username: 'provisiond', password: 's3cret' }, { username: 'operator', password: 'op' }];
  const api = await startIspconfig({ users, ...simOptions });
  const effects = createIspconfigEffects({ url: `${api.base}/remote/json.php`, ...CONFIG, ...effectOptions });
  let session: string | undefined;
  const admin = async (method: string, body: Record<string, unknown>): Promise<unknown> => {
    session ??= await api.login('operator', 'op');
    return api.ok(method, { session_id: session, ...body });
  };
  /** A zone made directly through the API, as a human or a crashed run would have. */
  const addZone = async (origin: string, soa: Partial<typeof SOA> = {}) =>
    Number(await admin('dns_zone_add', { client_id: 0, params: { ...SOA, ...soa, origin } }));
  const addRecord = async (kind: 'a' | 'txt', zone: number, name: string, data: string, active = 'y') =>
    Number(await admin(`dns_${kind}_add`, { client_id: 0, update_serial: false, params: { server_id: 1, zone, name, type: kind, data, aux: '0', ttl: '3600', active, stamp: '', serial: '' } }));
  /** As if 30 minutes had passed: every session, ours and the operator's, is gone. */
  const expire = (): void => {
    api.sim.expireSessions();
    session = undefined;
  };
  const zone = (origin: string) => api.sim.zones().find((z) => z.origin === origin);
  const counts = (op: string) => api.faults.counts()[`ispconfig.${op}`] ?? { calls: 0, inFlight: 0, maxInFlight: 0, faulted: 0 };
  return {
    api, effects, admin, addZone, addRecord, zone, counts, expire,
    close: async () => {
      await effects.close();
      await api.close();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;

export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, retryable: boolean): Promise<AppError> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    return true;
  });
  assert.ok(caught instanceof AppError, `an AppError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.equal(caught.retryable, retryable, `retryable for ${caught.message}`);
  return caught;
}
