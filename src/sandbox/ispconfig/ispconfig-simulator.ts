/**
 * ISPConfig 3.2 remote JSON API simulator (`POST /remote/json.php?<method>`), DNS functions only.
 *
 * Operations (faults and counters), one per remote method:
 *   ispconfig.login, ispconfig.logout,
 *   ispconfig.dns_zone_get, ispconfig.dns_zone_get_id, ispconfig.dns_zone_get_by_user,
 *   ispconfig.dns_zone_add, ispconfig.dns_zone_update, ispconfig.dns_zone_delete,
 *   ispconfig.dns_rr_get_all_by_zone,
 *   ispconfig.dns_a_get, ispconfig.dns_a_add, ispconfig.dns_a_delete,
 *   ispconfig.dns_txt_get, ispconfig.dns_txt_add, ispconfig.dns_txt_delete,
 *   ispconfig.dispatch (no method, or a method this simulator does not serve).
 * Writes (adds, updates, deletes) take `ispconfig.api` from the timing table.
 *
 * Always HTTP 200 with `{code, message, response}`; sessions last a fixed 30 minutes from login;
 * permissions are the user's function list. Injected `status` faults with status 200 answer a
 * remote_fault with the fault's message; other statuses answer an Apache HTML error page.
 */
import type { FastifyInstance } from 'fastify';
import type { Faults } from '../core/faults.js';
import { createHttpSimulator } from '../core/http-simulator.js';
import type { Latency } from '../core/timing.js';
import { DnsTables, type RecordSnapshot, type ZoneSnapshot } from './dns-tables.js';
import { createRecordFunctions } from './dns-record-functions.js';
import { createZoneFunctions } from './dns-zone-functions.js';
import { schema } from './ispconfig-schema.js';
import { registerJsonEndpoint } from './json-dispatch.js';
import { formatIspconfigError } from './remote-errors.js';
import type { RemoteDeps, RemoteFunction } from './remote-function.js';
import { RemotingQueries } from './remoting-queries.js';
import { SessionStore, type RemoteUser } from './session-store.js';

export type { RecordSnapshot, ZoneSnapshot } from './dns-tables.js';
export type { RemoteUser } from './session-store.js';

export interface IspconfigSimulatorOptions {
  readonly faults: Faults;
  readonly latency: Latency;
  readonly users: readonly RemoteUser[];
  /** Fixed from login, never extended; default 30 minutes (`session_timeout = 1800`). */
  readonly sessionTtlMs?: number;
  readonly now?: () => number;
}

export interface IspconfigSimulator {
  readonly app: FastifyInstance;
  /** Expire every current session, as if 30 minutes had passed. */
  expireSessions(): void;
  /** Zones with their records, as the panel database holds them. */
  zones(): readonly ZoneSnapshot[];
  /** Every record, including orphans left behind by dns_zone_delete. */
  records(): readonly RecordSnapshot[];
}

export function createIspconfigSimulator(options: IspconfigSimulatorOptions): IspconfigSimulator {
  const now = options.now ?? Date.now;
  const sessions = new SessionStore(options.users, options.sessionTtlMs ?? schema.sessionTimeoutSeconds * 1000, now);
  const tables = new DnsTables(now);
  const deps: RemoteDeps = { sessions, queries: new RemotingQueries(tables), tables, latency: options.latency, now };
  const zoneFunctions = createZoneFunctions(deps);
  const functions: Record<string, RemoteFunction> = {
    login: (a) => sessions.login(a.username, a.password, a.client_login),
    logout: (a) => sessions.logout(a.session_id),
    ...zoneFunctions,
    ...createRecordFunctions(deps, zoneFunctions),
  };

  const app = createHttpSimulator({ faults: options.faults, formatError: formatIspconfigError });
  registerJsonEndpoint(app, functions);
  app.setNotFoundHandler((request, reply) => {
    const shape = formatIspconfigError(404, `The requested URL was not found on this server.`);
    reply.code(shape.status).headers(shape.headers ?? {}).send(shape.body);
  });

  return {
    app,
    expireSessions: () => sessions.expireAll(),
    zones: () => tables.zones(),
    records: () => tables.records(),
  };
}
