/**
 * Worker tasks and their UPIDs (pve-common PVE/UPID.pm, pve-manager PVE/API2/Tasks.pm). A call
 * that forks a worker returns the UPID at once; the worker runs asynchronously, writes a log
 * and ends `stopped` with exitstatus `OK` or its error text (`TASK ERROR: …` in the log).
 * DELETE on a running task interrupts it the way SIGTERM does (`received interrupt`).
 */
import type { Scheduler } from './scheduler.js';

export interface Task {
  readonly upid: string;
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  readonly log: string[];
}

export interface TaskContext {
  log(line: string): void;
  /** Wait as a worker does; rejects with `received interrupt` when the task is stopped. */
  sleep(ms: number): Promise<void>;
}

export type Worker = (task: TaskContext) => Promise<void>;

const MAX_TASKS = 5000;

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

export interface ParsedUpid {
  readonly node: string;
  readonly type: string;
  readonly id: string;
  readonly user: string;
}

/** upid_decode: `UPID:<node>:<pid 8>:<pstart 8-9>:<starttime 8>:<type>:<id>:<user>:`. */
export function parseUpid(upid: string): ParsedUpid | undefined {
  const m = /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:([^:\s]+):([^:\s]*):([^:\s]+):$/i.exec(upid);
  if (m === null) return undefined;
  return { node: m[1] ?? '', type: m[2] ?? '', id: m[3] ?? '', user: m[4] ?? '' };
}

export class TaskRegistry {
  private readonly tasks = new Map<string, Task>();
  private readonly aborts = new Map<string, AbortController>();
  private nextPid = 0x1a2b3;
  /** Per-node boot time in clock ticks since boot, as /proc/<pid>/stat reports it. */
  private readonly pstart = new Map<string, number>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly now: () => number,
  ) {}

  /** Start a worker on `node` and return its UPID; the worker begins on the next tick. */
  fork(node: string, type: string, id: string, user: string, worker: Worker): string {
    const pid = this.nextPid++;
    const pstart = this.pstartOf(node);
    const starttime = Math.floor(this.now() / 1000);
    const upid = `UPID:${node}:${hex(pid, 8)}:${hex(pstart, 8)}:${hex(starttime, 8)}:${type}:${id}:${user}:`;
    const task: Task = { upid, node, pid, pstart, starttime, type, id, user, status: 'running', log: [] };
    this.tasks.set(upid, task);
    this.prune();
    const abort = new AbortController();
    this.aborts.set(upid, abort);
    const context: TaskContext = {
      log: (line) => task.log.push(line),
      sleep: (ms) => this.scheduler.sleep(ms, abort.signal),
    };
    this.scheduler.after(0, () => {
      worker(context).then(
        () => this.finish(task, 'OK'),
        (error: unknown) => this.finish(task, error instanceof Error ? error.message : String(error)),
      );
    });
    return upid;
  }

  get(upid: string): Task | undefined {
    return this.tasks.get(upid);
  }

  list(): Task[] {
    return [...this.tasks.values()];
  }

  /** Interrupt a running task (a no-op for finished ones, as kill on a dead pid). */
  stop(upid: string): void {
    this.aborts.get(upid)?.abort(new Error('received interrupt'));
  }

  private finish(task: Task, outcome: string): void {
    const first = outcome.split('\n', 1)[0] ?? outcome;
    task.log.push(outcome === 'OK' ? 'TASK OK' : `TASK ERROR: ${first}`);
    task.exitstatus = first;
    task.endtime = Math.floor(this.now() / 1000);
    task.status = 'stopped';
    this.aborts.delete(task.upid);
  }

  /** Keep the archive bounded in a long-running sandbox: forget the oldest finished tasks. */
  private prune(): void {
    if (this.tasks.size <= MAX_TASKS) return;
    for (const [upid, task] of this.tasks) {
      if (this.tasks.size <= MAX_TASKS) return;
      if (task.status === 'stopped') this.tasks.delete(upid);
    }
  }

  private pstartOf(node: string): number {
    let value = this.pstart.get(node);
    if (value === undefined) {
      value = 0x2f1a3b + this.pstart.size * 0x10;
      this.pstart.set(node, value);
    }
    return value;
  }
}
