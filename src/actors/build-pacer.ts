/**
 * While webhooks keep arriving, the work they set off (builds, and every other effect) waits
 * its turn: effects start at a pace adapted to how late the event loop runs (multiplicative
 * decrease, additive increase, as TCP does with congestion).
 *
 * Effects share the event loop with the requests. One build against a fast infrastructure costs
 * ~45 ms of CPU spread over ~20 effects, ~30 accepts' worth; during a burst of orders, building
 * at full speed keeps the loop so busy that each arriving request queues behind build work for
 * tens of milliseconds (docs/performance.md §4). An operator needs the payment acknowledged
 * first: a site built a few seconds later is live a few seconds later, while a slow answer
 * makes Paymenter time out and retry.
 *
 * So pacing applies only under pressure: while commands arrive at `stormPerSecond` or take a
 * large share of the loop (`pressureShare` of the last `windowMs` spent applying them in the
 * registry and committing them, ~3 times that with their HTTP work), over that window or since
 * the first of the last `burstCommands` began, so a storm is recognised in its first tens of
 * milliseconds rather than after a window. The rate is what makes a storm on any machine: the
 * work each accepted order sets off is far more than the command's own, so a fast machine that
 * applies commands cheaply is overrun by their builds all the same. A steady stream of orders
 * that leaves most of the loop to the builds is not pressure, and its builds run as fast as
 * the work allows; a storm is, and between storms every effect starts at once.
 * The signal is the loop's lag, the wait a request arriving now would see, not its
 * utilisation: a loop kept busy by short callbacks still answers promptly. Every tick the pace
 * halves if the lag passed `shrinkAboveMs`, or grows by `growPerTick` if it stayed under
 * `growBelowMs` while something waited. Effects that began carry on; only their next step
 * waits, oldest first, before new services start. However late the loop runs, something starts
 * every `maxWaitMs`, so a daemon under a relentless stream still builds.
 */
import { performance } from 'node:perf_hooks';
import { LoopLag, type LagSource } from './loop-lag.js';

export interface BuildPacerOptions {
  /**
   * Effect starts per second when pressure begins. Default 5: a storm's first second is the
   * one its requests are most likely to queue in (code and connections still warming), so
   * builds begin nearly held and earn their pace back.
   */
  readonly initialPerSecond?: number;
  /**
   * Added to the pace (per second) after each prompt tick while something waits. Default 0.25,
   * 10 more per second of prompt ticks: an effect's CPU comes tens of milliseconds after its
   * start, so a faster climb overshoots before the lag can say so.
   */
  readonly growPerTick?: number;
  /** Default 25 ms. */
  readonly tickMs?: number;
  /** Lag (ms) above which the pace halves. Default 5, well inside a request's p99 budget of 20. */
  readonly shrinkAboveMs?: number;
  /** Lag (ms) below which the pace grows. Default 3. */
  readonly growBelowMs?: number;
  /**
   * Share of the loop spent applying commands, their group commits included, from which
   * effects yield. Default 0.15. Measured on the benchmark machine (docs/performance.md §4): a
   * storm of 500 creates/s reads 21–56 % (22–25 % most seconds), the feed benchmark's steady
   * 83 creates/s 9.4 % (median second) and touches 15 % only briefly. Before the commits were
   * counted the storm read about half as much and, on a quick day, stayed under the line:
   * its builds went unpaced.
   */
  readonly pressureShare?: number;
  /**
   * Commands per second from which effects yield, however quick each command is. Default 200.
   * A command's own CPU says nothing of the work it sets off: every accepted order is a build of
   * ~45 ms of CPU against a fast infrastructure, so 200 orders a second would need nine cores
   * of builds, and left unpaced they fill the loop whatever the commands cost. On one machine a
   * storm of 500 creates/s read 22–25 % of the loop, on another (cheaper commands, same
   * builds) 8–27 % (11–16 % most seconds), flickering across `pressureShare`, with p99 over
   * a second (docs/performance.md §4). The feed benchmark's steady 83 creates/s stays well under.
   */
  readonly stormPerSecond?: number;
  /** The window that share and rate are measured over. Default 250 ms. */
  readonly windowMs?: number;
  /**
   * The last this-many commands also count as pressure when they took `pressureShare` of the
   * time since the first of them began, or began at `stormPerSecond`: a storm is recognised
   * within its first tens of milliseconds, while a few slow commands on a quiet daemon are
   * still not one. Default 20.
   */
  readonly burstCommands?: number;
  /** At least one start this often, whatever the lag. Default 500 ms. */
  readonly maxWaitMs?: number;
  /** Where the lag is read; default a timer probe on this event loop (loop-lag.ts). */
  readonly lag?: LagSource;
  readonly now?: () => number;
}

export class BuildPacer {
  private readonly initialPerSecond: number;
  private readonly growPerTick: number;
  private readonly tickMs: number;
  private readonly shrinkAboveMs: number;
  private readonly growBelowMs: number;
  private readonly pressureShare: number;
  private readonly stormPerSecond: number;
  private readonly windowMs: number;
  private readonly burstCommands: number;
  private readonly maxWaitMs: number;
  private readonly lag: LagSource;
  private readonly now: () => number;
  /** Effect starts per second while under pressure. */
  private perSecond: number;
  /** Starts allowed now: grows by the pace each tick, never past one tick's worth (or one). */
  private allowance: number;
  /** Effects waiting for their turn, oldest first (a Set keeps insertion order). */
  private readonly waiting = new Set<() => void>();
  /** A new service's start was refused and waits for onStartRoom. */
  private startsHeld = false;
  private readonly startListeners = new Set<() => void>();
  /** The current window of command time and count, and the share and rate of the one before. */
  private windowStart = -Infinity;
  private windowBusyMs = 0;
  private windowCommands = 0;
  private previousShare = 0;
  private previousRate = 0;
  /** The last `burstCommands` commands: when each began and how long it took (a ring). */
  private readonly recentStarts: number[] = [];
  private readonly recentDurations: number[] = [];
  private recentNext = 0;
  private recentBusyMs = 0;
  private lastStartAt = -Infinity;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: BuildPacerOptions = {}) {
    this.initialPerSecond = options.initialPerSecond ?? 5;
    this.growPerTick = options.growPerTick ?? 0.25;
    this.tickMs = options.tickMs ?? 25;
    this.shrinkAboveMs = options.shrinkAboveMs ?? 5;
    this.growBelowMs = options.growBelowMs ?? 3;
    this.pressureShare = options.pressureShare ?? 0.15;
    this.stormPerSecond = options.stormPerSecond ?? 200;
    this.windowMs = options.windowMs ?? 250;
    this.burstCommands = options.burstCommands ?? 20;
    this.maxWaitMs = options.maxWaitMs ?? 500;
    this.lag = options.lag ?? new LoopLag();
    this.now = options.now ?? (() => performance.now());
    this.perSecond = this.initialPerSecond;
    this.allowance = this.burst();
  }

  /** Effect starts per second under pressure. */
  get pace(): number {
    return this.perSecond;
  }

  /** Effects waiting for their turn. */
  get waitingEffects(): number {
    return this.waiting.size;
  }

  /**
   * Commands take at least `pressureShare` of the loop, or arrive at `stormPerSecond`, in this
   * window or the last.
   */
  get pressured(): boolean {
    this.roll();
    const now = this.now();
    // Over a whole window at least: a few commands on a quiet daemon are not a storm, however
    // slow each was. A burst of them is, from its start.
    const windowMs = Math.max(now - this.windowStart, this.windowMs);
    const windowShare = this.windowBusyMs / windowMs;
    const windowRate = (this.windowCommands * 1_000) / windowMs;
    const burstMs = this.burstMs(now);
    const burstShare = this.recentBusyMs / burstMs;
    const burstRate = (this.burstCommands * 1_000) / burstMs;
    return Math.max(this.previousShare, windowShare, burstShare) >= this.pressureShare
      || Math.max(this.previousRate, windowRate, burstRate) >= this.stormPerSecond;
  }

  /** The time since the oldest of the last `burstCommands` began; Infinity until there are that many. */
  private burstMs(now: number): number {
    if (this.recentStarts.length < this.burstCommands) return Infinity;
    const oldest = this.recentStarts[this.recentNext] ?? now;
    return Math.max(now - oldest, 1);
  }

  /** A command was applied in `durationMs` of the loop's time. */
  noteCommand(durationMs: number): void {
    this.noteBusy(durationMs, () => {
      this.windowCommands += 1;
      this.remember(this.now() - durationMs, durationMs);
    });
  }

  /**
   * Commands' work done after them: a group commit (commit-group.ts) writes the creates of a
   * turn once they have returned. Counted with the latest command, as if it had done it.
   */
  noteCommitted(durationMs: number): void {
    this.noteBusy(durationMs, () => {
      if (this.recentStarts.length === 0) return;
      const latest = (this.recentNext + this.burstCommands - 1) % this.burstCommands;
      this.recentDurations[latest] = (this.recentDurations[latest] ?? 0) + durationMs;
      this.recentBusyMs += durationMs;
    });
  }

  /** Commands' time added to the window and, by `record`, to the burst: a storm may begin here. */
  private noteBusy(durationMs: number, record: () => void): void {
    const was = this.pressured;
    this.windowBusyMs += durationMs;
    record();
    if (!was && this.pressured) {
      this.perSecond = this.initialPerSecond;
      this.allowance = this.burst();
    }
    this.watch();
  }

  /** Start a new window once the current one is over; a window long past counts as idle. */
  private roll(): void {
    const now = this.now();
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    const recent = elapsed < 2 * this.windowMs;
    this.previousShare = recent ? this.windowBusyMs / elapsed : 0;
    this.previousRate = recent ? (this.windowCommands * 1_000) / elapsed : 0;
    this.windowStart = now;
    this.windowBusyMs = 0;
    this.windowCommands = 0;
  }

  private remember(startedAt: number, durationMs: number): void {
    this.recentBusyMs += durationMs - (this.recentDurations[this.recentNext] ?? 0);
    this.recentStarts[this.recentNext] = startedAt;
    this.recentDurations[this.recentNext] = durationMs;
    this.recentNext = (this.recentNext + 1) % this.burstCommands;
  }

  /** May a new service start now? After a "no", onStartRoom listeners run when it may. */
  tryStart(): boolean {
    if (this.takeTurn()) return true;
    this.startsHeld = true;
    return false;
  }

  onStartRoom(listener: () => void): void {
    this.startListeners.add(listener);
  }

  /** Resolves when an effect may start; rejects with the signal's reason if it is aborted first. */
  turn(signal?: AbortSignal): Promise<void> {
    if (this.takeTurn()) return Promise.resolve();
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiting.delete(release);
        reject(signal?.reason);
      };
      const release = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.add(release);
    });
  }

  /** One tick, given the largest lag seen since the last. */
  tick(lagMs: number): void {
    if (!this.pressured) {
      // The storm is over: everything waiting goes, and the probe rests until the next command.
      this.releaseAll();
      this.unwatch();
      return;
    }
    const demand = this.waiting.size > 0 || this.startsHeld;
    if (lagMs > this.shrinkAboveMs) this.perSecond /= 2;
    else if (lagMs < this.growBelowMs && demand) this.perSecond += this.growPerTick;
    this.allowance = Math.min(this.burst(), this.allowance + (this.perSecond * this.tickMs) / 1_000);
    if (this.allowance < 1 && demand && this.now() - this.lastStartAt >= this.maxWaitMs) this.allowance = 1;
    for (const release of this.waiting) {
      if (this.allowance < 1) break;
      this.allowance -= 1;
      this.lastStartAt = this.now();
      this.waiting.delete(release);
      release();
    }
    if (this.allowance >= 1) this.wakeStarts();
  }

  stop(): void {
    this.unwatch();
    this.releaseAll();
    this.startListeners.clear();
  }

  /** Unpressured, or an allowance left and nobody older waiting: take it. */
  private takeTurn(): boolean {
    if (!this.pressured) return true;
    if (this.allowance < 1 || this.waiting.size > 0) return false;
    this.allowance -= 1;
    this.lastStartAt = this.now();
    return true;
  }

  /** The most starts one tick may allow at once. */
  private burst(): number {
    return Math.max(1, (this.perSecond * this.tickMs) / 1_000);
  }

  private releaseAll(): void {
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const release of waiting) release();
    this.wakeStarts();
  }

  private wakeStarts(): void {
    if (!this.startsHeld) return;
    this.startsHeld = false;
    for (const listener of this.startListeners) listener();
  }

  /** Probe the loop only under pressure: an idle daemon, or one only building, runs no probe. */
  private watch(): void {
    if (this.timer !== null) return;
    this.lag.start();
    this.lag.takeMax();
    this.timer = setInterval(() => this.tick(this.lag.takeMax()), this.tickMs);
    this.timer.unref();
  }

  private unwatch(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.lag.stop();
  }
}
