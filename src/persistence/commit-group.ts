/**
 * Group commit for accepted orders: creates that arrive together share one commit, and each is
 * answered once it is made.
 *
 * Why: a create's rows are a handful of B-tree pages, and committing them writes every touched
 * page to the WAL again (~16 pages, ~0.25 ms: a third of the create's CPU). Creates that arrive
 * together touch mostly the same pages (the tables' right-hand leaves, the pools' block
 * counters), so one commit for all of them costs little more than one for each: two share it
 * for ~0.3 ms per create instead of ~0.5 (docs/performance.md §4).
 *
 * When it commits: at the end of the event-loop turn in which it opened. The group grows by
 * itself when it matters: a daemon that keeps up reads one request per turn and commits each
 * alone, waiting for nothing, while one that is behind reads many requests in a turn and they
 * share the commit, which is CPU given back to the queue. A group is committed before a member
 * joins it `maxOpenMs` after it opened, so in a long turn no member waits longer than that for
 * the others. Holding a group open for the next arrivals (6 ms, while creates streamed in) was
 * tried: it made groups of three at 500 creates/s, but on the second benchmark machine saved
 * no measurable CPU and cost 4 ms at p50 and at p99 (docs/performance.md §4).
 *
 * What keeps its meaning: only work handed to `run` joins the group. Every other write (a
 * transition, a log line, a domain) calls `beforeWrite` first, which commits the group, so it
 * runs in a transaction of its own as before and a transition is never published to the feed
 * before its own commit. The callers answer only after `committed()`, so a 201 still means the
 * order is on disk (in the WAL, as with every commit at synchronous = NORMAL).
 *
 * If the commit fails (disk full, I/O error), the whole group is rolled back, each member's
 * `undo` runs (the registry forgets the starts it queued), every waiter is rejected with the
 * error (their requests answer 500 and Paymenter retries), and `onFailure` is told.
 */
import { performance } from 'node:perf_hooks';
import type { Db } from './database.js';

export interface CommitGroupOptions {
  /** A deferred commit failed (its waiters were rejected and its members undone). */
  readonly onFailure?: (error: unknown) => void;
  /** A group was committed, in `durationMs` of this thread's time (the pacer counts it). */
  readonly onCommit?: (durationMs: number) => void;
  /**
   * The longest a group stays open within a turn. Default 6 ms: its members are answered only at
   * the commit, and under a backlog one turn may handle dozens of requests; without the bound
   * the first would wait for all of them.
   */
  readonly maxOpenMs?: number;
  readonly now?: () => number;
}

const DEFAULT_MAX_OPEN_MS = 6;

export class CommitGroup {
  private readonly db: Db;
  private readonly onFailure: (error: unknown) => void;
  private readonly onCommit: (durationMs: number) => void;
  private readonly maxOpenMs: number;
  private readonly now: () => number;
  private openedAt = 0;
  /** Counts groups, so the scheduled commit of one that was committed early ignores its successor. */
  private generation = 0;
  /** Runs one member in a savepoint: a member that throws leaves the others in the group. */
  private readonly savepoint: (work: () => unknown) => unknown;
  private open = false;
  /** Inside a member's work: its own writes belong to the group. */
  private depth = 0;
  private undos: (() => void)[] = [];
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  constructor(db: Db, options: CommitGroupOptions = {}) {
    this.db = db;
    this.onFailure = options.onFailure ?? (() => {});
    this.onCommit = options.onCommit ?? (() => {});
    this.maxOpenMs = options.maxOpenMs ?? DEFAULT_MAX_OPEN_MS;
    this.now = options.now ?? (() => performance.now());
    this.savepoint = db.transaction((work: () => unknown) => work());
  }

  /**
   * Run `work` in the group, opening one (BEGIN IMMEDIATE) if none is open; it commits at the
   * end of this turn, or when the next member comes `maxOpenMs` after it opened. `undo` runs if
   * the group's commit fails after `work` succeeded.
   * Inside another transaction, `work` simply joins that one (whose owner commits it).
   */
  run<T>(work: () => T, undo?: () => void): T {
    if (!this.open && this.db.inTransaction) return this.savepoint(work) as T;
    const now = this.now();
    // Open long enough: its members are answered now, and this one starts the next group.
    if (this.open && this.depth === 0 && now - this.openedAt >= this.maxOpenMs) this.commit();
    if (!this.open) this.openGroup(now);
    this.depth++;
    try {
      const result = this.savepoint(work) as T;
      if (undo !== undefined) this.undos.push(undo);
      return result;
    } finally {
      this.depth--;
    }
  }

  /** Resolves once everything `run` has done so far is committed (at once when nothing waits). */
  committed(): Promise<void> {
    if (!this.open) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Another write is about to run: commit the group first, unless it is a member's own. */
  beforeWrite(): void {
    if (this.open && this.depth === 0) this.commit();
  }

  /** Commit now (closing the database, or a write outside the group). Throws if it fails. */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    const waiters = this.waiters;
    const undos = this.undos;
    this.waiters = [];
    this.undos = [];
    const began = performance.now();
    try {
      this.db.exec('COMMIT');
    } catch (error) {
      // A failed COMMIT may leave the transaction open; nothing of the group may stay.
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      for (const undo of undos) undo();
      for (const waiter of waiters) waiter.reject(error);
      throw error;
    }
    this.onCommit(performance.now() - began);
    for (const waiter of waiters) waiter.resolve();
  }

  private openGroup(now: number): void {
    this.db.exec('BEGIN IMMEDIATE');
    this.open = true;
    this.openedAt = now;
    const generation = ++this.generation;
    const commitThisGroup = (): void => {
      if (this.open && this.generation === generation) this.commitDeferred();
    };
    setImmediate(commitThisGroup);
  }

  private commitDeferred(): void {
    try {
      this.commit();
    } catch (error) {
      this.onFailure(error);
    }
  }
}
