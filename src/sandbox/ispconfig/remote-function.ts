/**
 * The shape every served remote function has: it receives the JSON body's values matched by
 * PHP parameter name (absent or null → null, as json_handler passes them) and returns the value
 * json.php puts in `response`, or throws a RemoteFault / PhpDeath.
 */
import type { Latency } from '../core/timing.js';
import type { DnsTables } from './dns-tables.js';
import type { RemotingQueries } from './remoting-queries.js';
import type { SessionStore } from './session-store.js';

export type RemoteArgs = Readonly<Record<string, unknown>>;
export type RemoteFunction = (args: RemoteArgs) => unknown;

export interface RemoteDeps {
  readonly sessions: SessionStore;
  readonly queries: RemotingQueries;
  readonly tables: DnsTables;
  readonly latency: Latency;
  readonly now: () => number;
}
