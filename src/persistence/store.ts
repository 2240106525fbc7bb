/** The persistence layer's entry points: one Store per connection, statements prepared once. */
import { createActorStore } from './actor-store.js';
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

/** Open (creating if needed) the database file, migrate it, and build the Store. */
export function openStore(path: string): Store {
  const db = openDatabase(path);
  try {
    migrate(db);
    return createStore(db);
  } catch (error) {
    db.close();
    throw error;
  }
}
