/**
 * The daemon as a child process that the chaos run kills with SIGKILL and starts again on the
 * same database and sandbox. It knows the current generation's address (port 0: each start
 * gets a new one), lets callers wait until a daemon listens, and records what each boot
 * reported. A daemon that exits without being killed is a crash: recorded, then restarted.
 */
import { exited, startScript, type Started } from '../support/child-process.js';

export interface BootReport {
  readonly generation: number;
  readonly restored: number;
  readonly started: number;
  readonly replayed: number;
  readonly refused: number;
}

export interface Crash {
  readonly generation: number;
  readonly code: number | null;
  readonly signal: string | null;
  readonly stderr: string;
}

interface Generation {
  readonly number: number;
  readonly started: Started;
  /** Set once it listens; cleared when it is killed or stopped. */
  url: string | undefined;
  /** Killed or stopped by us: its exit is expected. */
  ended: boolean;
  restored: Promise<void>;
}

const STDERR_TAIL = 2_000;

export class DaemonSupervisor {
  private current: Generation | undefined;
  private waiters: { resolve: (url: string) => void; reject: (error: Error) => void }[] = [];
  private stopping = false;
  private starts = 0;
  private killCount = 0;
  readonly boots: BootReport[] = [];
  readonly crashes: Crash[] = [];
  /** Boots that did not reach "listening" in time, and other supervision failures. */
  readonly failures: string[] = [];

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly bootTimeoutMs: number,
  ) {}

  /** How many times the daemon was started after the first start. */
  get restarts(): number {
    return Math.max(0, this.starts - 1);
  }

  get kills(): number {
    return this.killCount;
  }

  /** The listening daemon's base URL, or undefined while it is down or booting. */
  url(): string | undefined {
    return this.current?.url;
  }

  start(): void {
    const started = startScript('src/main.ts', [], this.env);
    const generation: Generation = { number: ++this.starts, started, url: undefined, ended: false, restored: Promise.resolve() };
    this.current = generation;
    started.child.once('exit', (code, signal) => this.onExit(generation, code, signal));
    generation.restored = this.awaitLine(generation, 'services restored').then((line) => {
      if (line === undefined) return;
      const count = (key: string): number => (typeof line[key] === 'number' ? (line[key] as number) : 0);
      this.boots.push({ generation: generation.number, restored: count('restored'), started: count('started'), replayed: count('replayed'), refused: count('refused') });
    });
    void this.awaitLine(generation, 'provisiond is listening').then((line) => {
      if (line === undefined || generation.ended || this.current !== generation) return;
      generation.url = `http://127.0.0.1:${(line.address as { port: number }).port}`;
      for (const waiter of this.waiters.splice(0)) waiter.resolve(generation.url);
    });
  }

  /** Resolves once the current generation has restored its actors (or has died trying). */
  async restored(): Promise<void> {
    await this.current?.restored;
  }

  /** The URL of a listening daemon, waiting for one to come up if needed. */
  whenUp(timeoutMs: number): Promise<string> {
    const url = this.url();
    if (url !== undefined) return Promise.resolve(url);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (value: string) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no daemon listening within ${timeoutMs} ms (generation ${this.starts})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** SIGKILL the current daemon and wait until it is gone; `start()` brings the next one. */
  async kill(): Promise<void> {
    const generation = this.current;
    if (generation === undefined) return;
    generation.ended = true;
    generation.url = undefined;
    generation.started.child.kill('SIGKILL');
    await exited(generation.started.child);
    this.killCount++;
  }

  /** SIGTERM and wait for a clean exit (it closes the database); SIGKILL after `timeoutMs`. */
  async stop(timeoutMs: number): Promise<{ code: number | null; clean: boolean }> {
    this.stopping = true;
    const generation = this.current;
    if (generation === undefined) return { code: null, clean: true };
    generation.ended = true;
    generation.url = undefined;
    const child = generation.started.child;
    if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, clean: child.exitCode === 0 };
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited(child);
    clearTimeout(timer);
    return { code: child.exitCode, clean: child.exitCode === 0 };
  }

  /** Kill whatever still runs (cleanup after a failure); nobody waits for a daemon any more. */
  async abort(): Promise<void> {
    this.stopping = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the chaos run is over'));
    const child = this.current?.started.child;
    if (child === undefined) return;
    if (this.current !== undefined) this.current.ended = true;
    child.kill('SIGKILL');
    await exited(child);
  }

  /**
   * The first stdout line with `msg`, waiting across child-process.ts's 30 s per-call limit up to
   * the boot timeout; undefined when the daemon died first (killed, or crashed: recorded apart).
   */
  private async awaitLine(generation: Generation, msg: string): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + this.bootTimeoutMs;
    for (;;) {
      try {
        return await generation.started.line((l) => l.msg === msg);
      } catch (error) {
        const child = generation.started.child;
        if (generation.ended || child.exitCode !== null || child.signalCode !== null) return undefined;
        if (Date.now() > deadline) {
          this.failures.push(`generation ${generation.number}: no "${msg}" within ${this.bootTimeoutMs} ms (${(error as Error).message})`);
          return undefined;
        }
      }
    }
  }

  private onExit(generation: Generation, code: number | null, signal: string | null): void {
    if (generation.ended || this.stopping) return;
    generation.ended = true;
    generation.url = undefined;
    this.crashes.push({ generation: generation.number, code, signal, stderr: generation.started.stderr().slice(-STDERR_TAIL) });
    // Keep the run going: the point is to see whether the next boot repairs what the crash left.
    if (this.current === generation) this.start();
  }
}
