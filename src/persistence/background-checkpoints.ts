/**
 * WAL checkpoints on a thread of their own.
 *
 * SQLite's automatic checkpoint runs inside whichever commit crosses 1,000 WAL pages: that
 * commit copies the pages into the database file and calls fsync twice. In the daemon that
 * commit is on the event loop, so every few hundred transitions one request or transition
 * waited 10–170 ms for the disk (docs/performance.md §4). Here the daemon's connection turns
 * automatic checkpoints off and a worker thread, with its own connection to the same file,
 * runs a PASSIVE checkpoint every `intervalMs`: it copies what no reader still needs and never
 * blocks a writer, and a commit never waits for fsync again.
 *
 * Durability is unchanged or better: with `synchronous = NORMAL` a commit is durable once a
 * checkpoint has synced the WAL, which now happens within `intervalMs` of any write instead of
 * after the next 1,000 pages. Should the worker fail, the connection turns automatic
 * checkpoints back on (`onFailure` says so), and the daemon goes on as before.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Db } from './database.js';

/** SQLite's default, restored when the worker is gone. */
const AUTOMATIC_PAGES = 1000;
/** Frequent enough that the WAL stays small, rare enough that an idle daemon costs nothing. */
const DEFAULT_INTERVAL_MS = 100;
/** Once the WAL is reset, a file that grew in a burst is truncated back to this size. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The worker's whole program. It is CommonJS evaluated from this string because a worker
 * thread does not inherit the TypeScript loader the daemon may run under, and a string needs
 * no separate file to build or ship. It only checkpoints; it never writes rows.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeoutMs });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    // SQLITE_BUSY: another checkpoint is running; the next tick tries again.
    if (error && error.code === 'SQLITE_BUSY') return;
    clearInterval(timer);
    parentPort.postMessage({ failed: String(error && error.message ? error.message : error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  // The daemon's thread is blocked in Atomics.wait until the connection is closed.
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
  parentPort.close();
});
`;

/** How long stop() waits for the worker to close its connection (one checkpoint's fsyncs). */
const STOP_WAIT_MS = 2_000;

export interface BackgroundCheckpoints {
  /**
   * Stop the worker and wait (synchronously, as closing a database is) until its connection is
   * closed, so the daemon's own close is the last one and leaves no WAL behind. Safe to repeat.
   */
  stop(): void;
}

export interface BackgroundCheckpointOptions {
  readonly intervalMs?: number;
  /** The worker could not checkpoint (or start): automatic checkpoints are back on. */
  readonly onFailure?: (reason: string) => void;
}

export function startBackgroundCheckpoints(db: Db, options: BackgroundCheckpointOptions = {}): BackgroundCheckpoints {
  if (db.memory) return { stop: () => undefined };
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  db.pragma('wal_autocheckpoint = 0');
  let stopped = false;
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const fallBack = (reason: string): void => {
    if (stopped) return;
    stopped = true;
    void worker.terminate();
    if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOMATIC_PAGES}`);
    options.onFailure?.(reason);
  };
  const worker = new Worker(PROGRAM, {
    eval: true,
    workerData: {
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      path: db.name,
      busyTimeoutMs: 5_000,
      intervalMs: options.intervalMs ?? DEFAULT_INTERVAL_MS,
      closed,
    },
  });
  // A checkpointer must never keep the process alive on its own.
  worker.unref();
  worker.on('message', (message: { failed?: string }) => fallBack(message.failed ?? 'unknown failure'));
  worker.on('error', (error) => fallBack(error.message));
  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
      Atomics.wait(closed, 0, 0, STOP_WAIT_MS);
    },
  };
}
