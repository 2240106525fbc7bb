/** The persistence layer's entry points: one Store per connection, statements prepared once. */
import { createActorStore } from './actor-store.js';
import { startBackgroundCheckpoints } from './background-checkpoints.js';
import { openDatabase } from './database.js';
import type { Db } from './database.js';
import { createDomainStore } from './domain-store.js';
import { createInboxStore } from './inbox-store.js';
import { createLogStore } from './log-store.js';
import { migrate } from './migrations.js';
import { createServiceStore } from './service-store.js';
import type { Store } from './types.js';
import { createTransitionStore } from './transition-store.js';

/** A Store over an already migrated connection. */
export function createStore(db: Db): Store {
  const inTransaction = db.transaction((work: () => unknown) => work());
  return {
    services: createServiceStore(db),
    actors: createActorStore(db),
    transitions: createTransitionStore(db),
    domains: createDomainStore(db),
    inbox: createInboxStore(db),
    logs: createLogStore(db),
    transaction: <T>(work: () => T): T => inTransaction.immediate(work) as T,
    close: () => {
      db.close();
    },
  };
}

export interface OpenStoreOptions {
  /**
   * `background`: WAL checkpoints run on a worker thread, never inside a commit (the daemon;
   * background-checkpoints.ts). Default `automatic`: SQLite's own, for short-lived commands.
   */
  readonly checkpoints?: 'automatic' | 'background';
  /** The background checkpointer failed; automatic checkpoints are back on. */
  readonly onCheckpointFailure?: (reason: string) => void;
}

/** Open (creating if needed) the database file, migrate it, and build the Store. */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const db = openDatabase(path);
  try {
    migrate(db);
    const store = createStore(db);
    if (options.checkpoints !== 'background') return store;
    const { onCheckpointFailure } = options;
    const checkpoints = startBackgroundCheckpoints(db, onCheckpointFailure === undefined ? {} : { onFailure: onCheckpointFailure });
    return {
      ...store,
      close: () => {
        checkpoints.stop();
        store.close();
      },
    };
  } catch (error) {
    db.close();
    throw error;
  }
}
