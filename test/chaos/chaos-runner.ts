/**
 * A chaos run: the sandbox as its own process, the daemon as a child that is SIGKILLed at the
 * plan's moments and restarted on the same database and sandbox, and every service's script
 * driven over HTTP meanwhile. When the kills are done it waits for every lifecycle to settle,
 * then checks the world (invariants.ts) with the daemon up, stops the daemon cleanly and checks
 * its database file (log-invariants.ts). Returns the figures and every violation found.
 */
import { setMaxListeners } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exited } from '../support/child-process.js';
import { daemonEnvironment, SandboxProbe, startSandboxProcess, type SandboxProcess } from '../support/sandbox-process.js';
import { DaemonClient, type ServiceWire } from './daemon-client.js';
import { DaemonSupervisor } from './daemon-supervisor.js';
import { readDatabase } from './database-reading.js';
import { checkWorld } from './invariants.js';
import { checkDatabase } from './log-invariants.js';
import { planRun, type RunPlan } from './run-plan.js';
import { readInventory } from './sandbox-inventory.js';
import { driveService, type DriverResult } from './service-driver.js';
import { ServiceObserver } from './service-observer.js';

export interface ChaosOptions {
  readonly seed: number;
  readonly services: number;
  readonly kills: number;
  /** The sandbox's wall-clock seconds per model second. */
  readonly timeScale: number;
  /** Longest time a daemon serves before it is killed. */
  readonly maxUptimeMs?: number;
  /** How long lifecycles may take to settle once the last kill is done. */
  readonly settleTimeoutMs?: number;
  /** Progress lines (the CLI sends them to stderr). */
  readonly log?: (line: string) => void;
}

export interface ChaosFigures {
  readonly seed: number;
  readonly services: number;
  readonly kills: number;
  /** Kills after which the next daemon restored every service it found (none refused). */
  readonly killsSurvived: number;
  /** Kills that, by the last poll before them, caught at least one service mid-work. */
  readonly killsMidWork: number;
  /** Services caught mid-work, summed over all kills. */
  readonly lifecyclesInterrupted: number;
  readonly restarts: number;
  readonly lifecyclesCompleted: number;
  readonly orphans: number;
  readonly duplicates: number;
  /** Daemon exits nobody asked for. */
  readonly crashes: number;
  readonly commands: number;
  /** Commands whose answer was lost to a kill and that were sent again. */
  readonly commandsResent: number;
  /** Inbox deliveries the daemon replayed at boot (accepted, then killed before completing). */
  readonly deliveriesReplayed: number;
  readonly transitions: number;
  readonly elapsedMs: number;
}

export interface ChaosResult {
  readonly figures: ChaosFigures;
  readonly violations: readonly string[];
  readonly plan: RunPlan;
}

const BOOT_TIMEOUT_MS = 120_000;
const POLL_INTERVAL_MS = 400;
/**
 * Every ownership check's DNS answer is delayed this long, so that the first check — made the
 * moment a domain is added, before the reply names the token — sees the TXT record published
 * right after the reply. Without it the next look would be 30 s away (retry-policy.ts).
 */
const DNS_LATENCY_MS = 1_500;
const FINAL_READ_TIMEOUT_MS = 60_000;
const DEFAULT_SETTLE_MS = 240_000;
const STOP_TIMEOUT_MS = 20_000;

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const RESTING = new Set(['active', 'suspended', 'deleted', 'failed']);
const DOMAIN_RESTING = new Set(['active', 'failed']);
/** A service with work in flight: a busy phase, or a custom domain still on its way. */
const midWork = (view: ServiceWire): boolean => !RESTING.has(view.state) || view.busy || view.domains.some((d) => !DOMAIN_RESTING.has(d.state));

/** Lets drivers wait for the run's kill count. */
class KillGate {
  private count = 0;
  private waiters: { count: number; resolve: () => void }[] = [];

  reached(count: number): void {
    this.count = count;
    const ready = this.waiters.filter((w) => w.count <= count);
    this.waiters = this.waiters.filter((w) => w.count > count);
    for (const waiter of ready) waiter.resolve();
  }

  after = (count: number, signal: AbortSignal): Promise<void> => {
    if (count <= this.count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(new Error(`the run ended before kill ${count}, when this service was to start`));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push({
        count,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      });
    });
  };
}

/** SIGKILL the daemon at each of the plan's moments and start the next one; counts what each kill caught. */
async function killAsPlanned(
  plan: RunPlan,
  daemon: DaemonSupervisor,
  observer: ServiceObserver,
  gate: KillGate,
  log: (line: string) => void,
): Promise<{ killsMidWork: number; lifecyclesInterrupted: number }> {
  let killsMidWork = 0;
  let lifecyclesInterrupted = 0;
  for (const [index, kill] of plan.kills.entries()) {
    if (kill.at === 'boot') {
      await daemon.restored();
    } else {
      await daemon.whenUp(BOOT_TIMEOUT_MS);
      await pause(kill.afterMs);
    }
    const working = observer.views().filter(midWork).length;
    await daemon.kill();
    if (working > 0) killsMidWork++;
    lifecyclesInterrupted += working;
    gate.reached(daemon.kills);
    log(`kill ${index + 1}/${plan.kills.length} ${kill.at === 'boot' ? 'at boot' : `after ${kill.afterMs} ms serving`}, ${working} services mid-work`);
    daemon.start();
  }
  return { killsMidWork, lifecyclesInterrupted };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const plan = planRun(options);
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-chaos-'));
  const dbPath = join(dir, 'provisiond.db');
  const violations: string[] = [];
  const settle = new AbortController();
  // Every driver waits on it at once: that many listeners are expected, not a leak.
  setMaxListeners(2 * options.services + 10, settle.signal);
  let sandbox: SandboxProcess | undefined;
  let supervisor: DaemonSupervisor | undefined;
  let observer: ServiceObserver | undefined;
  let client: DaemonClient | undefined;
  let results: DriverResult[] = [];
  let counts = { orphans: 0, duplicates: 0, transitions: 0, killsMidWork: 0, lifecyclesInterrupted: 0 };
  try {
    sandbox = await startSandboxProcess(dir, { timeScale: options.timeScale, seed: options.seed });
    const probe = new SandboxProbe(sandbox.connection);
    await probe.injectFault({ op: 'dns.query', kind: 'latency', latencyMs: DNS_LATENCY_MS, times: 'always' });
    const daemon = new DaemonSupervisor(daemonEnvironment(dbPath, sandbox.file), BOOT_TIMEOUT_MS);
    supervisor = daemon;
    daemon.start();
    client = new DaemonClient(daemon, BOOT_TIMEOUT_MS);
    observer = new ServiceObserver(client, POLL_INTERVAL_MS);
    observer.start();
    const gate = new KillGate();
    const deps = { client, observer, sandbox: probe, afterKills: gate.after, signal: settle.signal };
    const drivers = plan.scripts.map((script) => driveService(script, deps));

    counts = { ...counts, ...(await killAsPlanned(plan, daemon, observer, gate, log)) };

    const settleMs = options.settleTimeoutMs ?? DEFAULT_SETTLE_MS;
    log(`kills done; waiting up to ${settleMs} ms for lifecycles to settle`);
    const timer = setTimeout(() => settle.abort(), settleMs);
    results = await Promise.all(drivers);
    clearTimeout(timer);
    for (const result of results) if (result.error !== null) violations.push(`lifecycle: ${result.error}`);

    // The final reading comes from a poll made after every driver has finished.
    await observer.stop();
    const deadline = Date.now() + FINAL_READ_TIMEOUT_MS;
    while (!(await observer.refresh())) {
      if (Date.now() > deadline) throw new Error(`no daemon answered GET /v1/services within ${FINAL_READ_TIMEOUT_MS} ms for the final reading`);
      await pause(POLL_INTERVAL_MS);
    }
    const inventory = await readInventory(probe);
    const world = checkWorld(plan.scripts, observer.views(), inventory);
    violations.push(...world.violations);
    counts = { ...counts, orphans: world.orphans.length, duplicates: world.duplicates.length };

    const stopped = await daemon.stop(STOP_TIMEOUT_MS);
    if (!stopped.clean) violations.push(`daemon: the final SIGTERM ended with exit code ${stopped.code}, not a clean 0`);
    const reading = readDatabase(dbPath);
    counts = { ...counts, transitions: reading.transitions.length };
    violations.push(...checkDatabase(reading, plan.scripts.map((s) => s.serviceId)));
  } catch (error) {
    violations.push(`run: ${(error as Error).message}`);
  } finally {
    settle.abort();
    await observer?.stop();
    await supervisor?.abort();
    if (sandbox !== undefined) {
      sandbox.started.child.kill('SIGKILL');
      await exited(sandbox.started.child);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  const daemon = supervisor;
  for (const crash of daemon?.crashes ?? []) violations.push(`daemon crashed (generation ${crash.generation}, code ${crash.code}, signal ${crash.signal}): ${crash.stderr}`);
  for (const failure of daemon?.failures ?? []) violations.push(`daemon: ${failure}`);
  for (const boot of daemon?.boots ?? []) if (boot.refused > 0) violations.push(`daemon generation ${boot.generation} refused ${boot.refused} service snapshots at boot`);
  const bootsAfterKills = (daemon?.boots ?? []).filter((b) => b.generation > 1 && b.refused === 0).length;
  return {
    plan,
    violations,
    figures: {
      seed: options.seed,
      services: plan.scripts.length,
      kills: daemon?.kills ?? 0,
      killsSurvived: Math.min(daemon?.kills ?? 0, bootsAfterKills),
      killsMidWork: counts.killsMidWork,
      lifecyclesInterrupted: counts.lifecyclesInterrupted,
      restarts: daemon?.restarts ?? 0,
      lifecyclesCompleted: results.filter((r) => r.completed).length,
      orphans: counts.orphans,
      duplicates: counts.duplicates,
      crashes: daemon?.crashes.length ?? 0,
      commands: results.reduce((sum, r) => sum + r.commands, 0),
      commandsResent: client?.lostAnswers ?? 0,
      deliveriesReplayed: (daemon?.boots ?? []).reduce((sum, b) => sum + b.replayed, 0),
      transitions: counts.transitions,
      elapsedMs: Date.now() - began,
    },
  };
}
