/** The persistence layer's entry points: one Store per connection, statements prepared once. */
import { createActorStore } from './actor-store.js';
import { startBackgroundCheckpoints } from './background-checkpoints.js';
import { CommitGroup } from './commit-group.js';
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
export function createStore(db: Db, options: { readonly onCommitFailure?: (error: unknown) => void } = {}): Store {
  const inTransaction = db.transaction((work: () => unknown) => work());
  const commitListeners = new Set<(durationMs: number) => void>();
  const group = new CommitGroup(db, {
    ...(options.onCommitFailure === undefined ? {} : { onFailure: options.onCommitFailure }),
    onCommit: (durationMs) => {
      for (const listener of commitListeners) listener(durationMs);
    },
  });
  // Every write outside a group member commits the group first (commit-group.ts): it then runs
  // in its own transaction, as it would with no group open. A write method added to a store
  // must be wrapped here too, or it would join an open group and be published before its commit.
  const write = <A extends unknown[], R>(method: (...args: A) => R) => (...args: A): R => {
    group.beforeWrite();
    return method(...args);
  };
  const services = createServiceStore(db);
  const actors = createActorStore(db);
  const domains = createDomainStore(db);
  const inbox = createInboxStore(db);
  const logs = createLogStore(db);
  return {
    services: {
      ...services,
      create: write(services.create),
      releaseAllocation: write(services.releaseAllocation),
      replaceForeignVmid: write(services.replaceForeignVmid),
    },
    actors: { ...actors, commit: write(actors.commit), rest: write(actors.rest) },
    transitions: createTransitionStore(db),
    domains: { ...domains, upsert: write(domains.upsert), markRemoved: write(domains.markRemoved) },
    inbox: { ...inbox, accept: write(inbox.accept), complete: write(inbox.complete), record: write(inbox.record) },
    logs: { ...logs, append: write(logs.append) },
    transaction: <T>(work: () => T): T => {
      group.beforeWrite();
      return inTransaction.immediate(work) as T;
    },
    groupCommit: (work, undo) => group.run(work, undo),
    committed: () => group.committed(),
    onGroupCommit: (listener) => {
      commitListeners.add(listener);
      return () => commitListeners.delete(listener);
    },
    close: () => {
      try {
        group.commit();
      } finally {
        db.close();
      }
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
  /** A group commit failed: its creates were rolled back and their requests answered 500. */
  readonly onCommitFailure?: (error: unknown) => void;
}

/** Open (creating if needed) the database file, migrate it, and build the Store. */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  const db = openDatabase(path);
  try {
    migrate(db);
    const store = createStore(db, options.onCommitFailure === undefined ? {} : { onCommitFailure: options.onCommitFailure });
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
