/**
 * The live actor system: one persisted actor per service. It turns commands into events,
 * records every delivery in the webhook inbox first (so an accepted webhook survives a
 * crash and is replayed at boot), restores every unfinished service at boot, and publishes
 * each committed transition to listeners (the WebSocket feed) in sequence order.
 *
 * A create is accepted in one commit (delivery, service, allocation, outcome) and its actor
 * started just after, off the request path (start-queue.ts); until then the service reads as
 * `pending`, and a command for it starts it first.
 *
 * Services at rest (at-rest.ts) are passivated: boot restores no actor for them, and one that
 * comes to rest is stopped after `passivateAfterMs`. The next command wakes it from its
 * committed snapshot, as a restart would; views read that snapshot meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { InspectionEvent, Observer } from 'xstate';
import { AppError } from '../errors.js';
import type { Plan } from '../domain/plans.js';
import { serviceMachine, type ServiceMachine } from '../machines/service.machine.js';
import { domainMachine } from '../machines/domain.machine.js';
import { SERVICE_MACHINE_VERSION, type ServiceInput } from '../machines/service.types.js';
import type { Allocation, AllocationPolicy, ServiceRecord, Store, TransitionRow } from '../persistence/types.js';
import { eventFor, stateConflict, type EventLookups } from './command-events.js';
import { CancelledEffects } from './cancelled-effects.js';
import { createDurableTimer } from './durable-timer.js';
import { toActorLogic, undoFromEffects, wrapEffect, type DomainEffectFunctions, type ServiceEffectFunctions } from './effect-actors.js';
import { settle, storedError, type StoredOutcome } from './inbox-outcome.js';
import { BuildPacer, type BuildPacerOptions } from './build-pacer.js';
import { RestTimers } from './rest-timers.js';
import { StartQueue } from './start-queue.js';
import { LiveService, type ServiceSnapshot } from './live-service.js';
import type { Command, CommandOutcome, LogView, ServiceRegistry, ServiceView, TransitionView } from './registry.types.js';
import { toServiceView, type SnapshotReading } from './service-view.js';

export interface RegistryOptions {
  readonly store: Store;
  readonly plans: readonly Plan[];
  readonly allocation: AllocationPolicy;
  /** Sites are served at <subdomain>.<baseDomain>. */
  readonly baseDomain: string;
  readonly logger: Logger;
  /** Infrastructure effects; any left out fail with EFFECT_UNAVAILABLE when reached. */
  readonly effects?: {
    readonly service?: ServiceEffectFunctions;
    readonly domain?: DomainEffectFunctions;
    /**
     * Asks Proxmox whether the allocated VMID is free for this service (nobody has it, or its
     * own container does). Without it, the database's word is taken.
     */
    readonly vmidFree?: (input: { readonly serviceId: string; readonly vmid: number }, signal: AbortSignal) => Promise<boolean>;
  };
  readonly now?: () => number;
  /** Ownership-proof tokens for custom domains. */
  readonly newToken?: () => string;
  /** How long a custom domain's ownership proof is looked for. Default 72 hours. */
  readonly domainVerificationWindowMs?: number;
  /**
   * Sees the inspection events of every service actor and its children (custom domains,
   * effects). Development only (`--inspect`): the events carry context.
   */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** How long a service stays at rest before its actor is stopped (passivated). Default 30 s. */
  readonly passivateAfterMs?: number;
  /** How effects yield to a storm of commands (build-pacer.ts). */
  readonly pacing?: BuildPacerOptions;
}

const DEFAULT_VERIFICATION_WINDOW_MS = 72 * 3_600_000;
const DEFAULT_PASSIVATE_AFTER_MS = 30_000;

export interface BootReport {
  /** Actors restored from their last committed snapshot. */
  readonly restored: number;
  /** Services recorded before their first snapshot, started afresh. */
  readonly started: number;
  /** Inbox deliveries accepted before a crash and applied now. */
  readonly replayed: number;
  /** Services at rest, left without an actor until their next command. */
  readonly resting: number;
  /** Services whose snapshot cannot be loaded by this version: left untouched, loudly. */
  readonly refused: readonly { readonly serviceId: string; readonly reason: string }[];
}

export class ActorRegistry implements ServiceRegistry {
  private readonly options: RegistryOptions;
  private readonly machine: ServiceMachine;
  private readonly now: () => number;
  private readonly live = new Map<string, LiveService>();
  private readonly listeners = new Set<(transition: TransitionView) => void>();
  private readonly logListeners = new Set<(line: LogView) => void>();
  private readonly domainsSeen = new Map<string, string>();
  /** Passivation timers of live services at rest. */
  private readonly idle: RestTimers;
  /** Refused at boot or stopped by a fault: never woken; a restart decides. */
  private readonly halted = new Set<string>();
  private readonly lookups: EventLookups;
  /** Accepted services whose actors are not started yet. */
  private readonly starts: StartQueue<ServiceInput>;
  /** Effects and new starts wait their turn during a storm of commands. */
  private readonly pacer: BuildPacer;
  private readonly stopCountingCommits: () => void;
  private closing = false;

  constructor(options: RegistryOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.idle = new RestTimers(options.passivateAfterMs ?? DEFAULT_PASSIVATE_AFTER_MS);
    this.pacer = new BuildPacer(options.pacing);
    this.starts = new StartQueue<ServiceInput>((serviceId, input) => this.startAccepted(serviceId, input), {
      admit: () => this.pacer.tryStart(),
    });
    this.pacer.onStartRoom(() => this.starts.resume());
    // A create's commit comes after it returns (commit-group.ts) and is its largest cost.
    this.stopCountingCommits = options.store.onGroupCommit((durationMs) => this.pacer.noteCommitted(durationMs));
    const { store } = options;
    const serviceEffects = paced(options.effects?.service ?? {}, this.pacer);
    this.lookups = {
      domainOwner: (domain) => store.domains.owner(domain),
      newToken: options.newToken ?? (() => randomBytes(16).toString('hex')),
      plan: (name) => options.plans.find((plan) => plan.name === name),
      verifyUntil: () => this.now() + (options.domainVerificationWindowMs ?? DEFAULT_VERIFICATION_WINDOW_MS),
    };
    const timer = createDurableTimer(this.now);
    const cancelled = new CancelledEffects();
    const domain = domainMachine.provide({ actors: { ...toActorLogic(paced(options.effects?.domain ?? {}, this.pacer), cancelled), sleepUntil: timer } as never });
    this.machine = serviceMachine.provide({
      actors: {
        ...toActorLogic(serviceEffects, cancelled),
        undoStep: undoFromEffects(serviceEffects, cancelled),
        // Allocation is committed with the service record (one transaction, see execute);
        // the machine's step reads it back, so a resumed actor finds the same allocation.
        allocate: wrapEffect(async ({ serviceId }: { serviceId: string }, signal: AbortSignal) => {
          await this.pacer.turn(signal);
          return this.confirmAllocation(serviceId, signal);
        }),
        releaseAllocation: wrapEffect(async ({ serviceId }: { serviceId: string }) => store.services.releaseAllocation(serviceId, this.now())),
        sleepUntil: timer,
        domain,
      } as never,
    });
  }

  /**
   * The allocation committed with the service, its VMID confirmed with Proxmox: one taken by a
   * guest that is not ours is recorded as foreign and the service moves to the next free one.
   * Each hop is committed, so a resumed actor continues from the VMID it last held.
   */
  private async confirmAllocation(serviceId: string, signal: AbortSignal): Promise<Allocation> {
    const { store, allocation: policy } = this.options;
    const vmidFree = this.options.effects?.vmidFree;
    let allocation = store.services.allocation(serviceId);
    if (allocation === undefined) throw new AppError('INTERNAL', `service ${serviceId} holds no allocation`);
    if (vmidFree === undefined) return allocation;
    while (!(await vmidFree({ serviceId, vmid: allocation.vmid }, signal))) {
      this.options.logger.warn({ serviceId, vmid: allocation.vmid }, 'VMID is taken by a guest provisiond does not own: skipping it for good');
      allocation = store.services.replaceForeignVmid(serviceId, allocation.vmid, policy, this.now());
    }
    return allocation;
  }

  /** Restore every unfinished service and replay deliveries that never completed. */
  boot(): BootReport {
    const { store, logger } = this.options;
    let restored = 0;
    let started = 0;
    const refused: { serviceId: string; reason: string }[] = [];
    for (const serviceId of store.actors.resumable(SERVICE_MACHINE_VERSION)) {
      const stored = store.actors.load(serviceId);
      if (stored === undefined) {
        const record = store.services.get(serviceId);
        if (record === undefined) continue;
        const input = this.inputFor(record);
        if (input === undefined) {
          refused.push({ serviceId, reason: `plan "${record.plan}" is no longer configured` });
          continue;
        }
        this.spawn(serviceId, { input }).send({ type: 'create' });
        started++;
        continue;
      }
      if (stored.machineVersion !== SERVICE_MACHINE_VERSION) {
        refused.push({ serviceId, reason: `snapshot machine version ${stored.machineVersion}, this build runs ${SERVICE_MACHINE_VERSION}` });
        continue;
      }
      const service = new LiveService(serviceId, { snapshot: stored.snapshot }, this.liveDeps());
      if (service.restoredStatus === 'error') {
        refused.push({ serviceId, reason: 'the snapshot does not fit this machine definition' });
        continue;
      }
      this.live.set(serviceId, service);
      service.start();
      // At rest but committed without the flag (a database from before migration 4): flag it
      // now, so the next boot skips it, and stop the actor, which has nothing to do.
      if (service.atRest) {
        store.actors.rest(serviceId);
        this.passivate(serviceId, service);
        continue;
      }
      restored++;
    }
    for (const { serviceId } of refused) {
      this.halted.add(serviceId);
      logger.error({ serviceId }, 'service snapshot refused: it stays as it was until migrated');
    }
    let replayed = 0;
    for (const entry of store.inbox.incomplete()) {
      const outcome = settle(() => this.apply(JSON.parse(entry.command) as Command));
      store.inbox.complete(entry.id, JSON.stringify(outcome.stored), this.now());
      replayed++;
    }
    return { restored, started, replayed, resting: store.actors.restingCount(), refused };
  }

  execute(command: Command, options: { readonly idempotencyKey?: string } = {}): CommandOutcome {
    if (this.closing) throw new AppError('SHUTTING_DOWN', 'provisiond is shutting down; try again shortly', { retryable: true });
    const started = performance.now();
    try {
      return this.deliverCommand(command, options);
    } finally {
      // How much of the loop commands take decides whether effects yield to them (build-pacer.ts).
      this.pacer.noteCommand(performance.now() - started);
    }
  }

  private deliverCommand(command: Command, options: { readonly idempotencyKey?: string }): CommandOutcome {
    const { store } = this.options;
    const deliver = (): CommandOutcome => {
      const json = JSON.stringify(command);
      const { entry, duplicate } = store.inbox.accept({ idempotencyKey: options.idempotencyKey ?? null, serviceId: command.serviceId, command: json }, this.now());
      // A key names one request: reused for another, it is refused rather than answered with
      // an outcome that belongs to a different service or command.
      if (duplicate && entry.command !== json) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'Idempotency-Key: this key was already used for a different request', { field: 'Idempotency-Key' });
      }
      if (duplicate && entry.outcome !== null) return this.replay(command.serviceId, JSON.parse(entry.outcome) as StoredOutcome);
      const outcome = settle(() => this.apply(command));
      store.inbox.complete(entry.id, JSON.stringify(outcome.stored), this.now());
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    };
    if (command.type !== 'create') return deliver();
    // A create writes only rows (its actor starts later, off the request path: start-queue.ts),
    // so the delivery, the service with its allocation and the outcome are one commit, not
    // three; and creates that arrive together share it (commit-group.ts). If that commit
    // fails, the start it queued is dropped with the rows.
    const deliverCreate = (): CommandOutcome => {
      const key = options.idempotencyKey ?? null;
      // A key seen before takes the general path: answered from its outcome, or refused.
      if (key !== null && store.inbox.find(key) !== undefined) return deliver();
      // Applied in this same transaction, so the delivery is recorded once, with its outcome:
      // a crash before the commit loses both, and Paymenter's retry finds nothing.
      const outcome = settle(() => this.apply(command));
      store.inbox.record({ idempotencyKey: key, serviceId: command.serviceId, command: JSON.stringify(command), outcome: JSON.stringify(outcome.stored) }, this.now());
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    };
    const forget = (): void => this.starts.forget(command.serviceId);
    try {
      return store.groupCommit(deliverCreate, forget);
    } catch (error) {
      forget();
      throw error;
    }
  }

  committed(): Promise<void> {
    return this.options.store.committed();
  }

  get(serviceId: string): ServiceView | undefined {
    const record = this.options.store.services.get(serviceId);
    return record === undefined ? undefined : this.view(record);
  }

  list(query: { readonly state?: string; readonly after?: string; readonly limit: number }): ServiceView[] {
    return this.options.store.services.list(query).map((record) => this.view(record));
  }

  recentTransitions(serviceId: string, limit: number): TransitionView[] {
    return this.options.store.transitions.recent(serviceId, limit);
  }

  transitionsAfter(seq: number, options: { readonly serviceId?: string; readonly limit: number }): TransitionView[] {
    return this.options.store.transitions.after(seq, options);
  }

  lastSeq(): number {
    return this.options.store.transitions.lastSeq();
  }

  onTransition(listener: (transition: TransitionView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Append a line to a service's log (the installer's output reaches it through this) and
   * hand it to log listeners. Lines of unknown services are dropped: there is nothing to own them.
   */
  appendLog(serviceId: string, line: string): void {
    if (this.options.store.services.get(serviceId) === undefined) return;
    const logged = this.options.store.logs.append(serviceId, line, this.now());
    for (const listener of this.logListeners) {
      try {
        listener(logged);
      } catch (error) {
        this.options.logger.error({ err: error }, 'log listener failed');
      }
    }
  }

  logTail(serviceId: string, limit: number): LogView[] {
    return this.options.store.logs.tail(serviceId, limit);
  }

  onLog(listener: (line: LogView) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Actors in memory: unfinished services that are not passivated. */
  get size(): number {
    return this.live.size;
  }

  /** Stop every actor without persisting: each resumes from its last commit on restart. */
  shutdown(): void {
    this.closing = true;
    // Services accepted but not yet started are started by the next boot (no snapshot yet).
    this.starts.clear();
    this.idle.clear();
    for (const service of this.live.values()) service.stop();
    this.live.clear();
    // After the actors: stopping them aborts their waiting effects, so none is let go to start
    // an infrastructure call on the way out.
    this.pacer.stop();
    this.stopCountingCommits();
  }

  private apply(command: Command): CommandOutcome {
    if (command.type === 'create') return this.create(command);
    const { serviceId } = command;
    // A command that overtakes its service's start starts it first.
    this.starts.startNow(serviceId);
    const service = this.live.get(serviceId) ?? this.wake(serviceId);
    if (service === undefined) return this.applyToStopped(command);
    const event = eventFor(command, service.snapshot(), this.lookups);
    if (event !== null) {
      if (!service.can(event)) throw stateConflict(command, service.snapshot());
      service.send(event);
    }
    return { service: this.getOrThrow(serviceId), created: false };
  }

  private create(command: Extract<Command, { type: 'create' }>): CommandOutcome {
    const plan = this.options.plans.find((p) => p.name === command.plan);
    if (plan === undefined) {
      const known = this.options.plans.map((p) => p.name).join(', ');
      throw new AppError('UNKNOWN_PLAN', `unknown plan "${command.plan}"; known plans: ${known}`, { field: 'plan' });
    }
    const { record, created } = this.options.store.services.create(
      { serviceId: command.serviceId, email: command.email, plan: plan.name, publicIp: command.publicIp, domainQuota: plan.domainQuota },
      this.options.allocation,
      this.now(),
    );
    if (created) this.starts.enqueue(record.serviceId, this.inputOf(record, plan));
    return { service: this.view(record), created };
  }

  /** Commands for services with no live actor: unknown, deleted, or refused at boot. */
  private applyToStopped(command: Exclude<Command, { type: 'create' }>): CommandOutcome {
    const record = this.options.store.services.get(command.serviceId);
    if (record === undefined) throw new AppError('NOT_FOUND', `no service with id "${command.serviceId}"`, { field: 'service_id' });
    // Deleting what is deleted is a success: Paymenter treats "already gone" as done.
    if (record.state === 'deleted') {
      if (command.type === 'delete') return { service: this.view(record), created: false };
      throw new AppError('SERVICE_DELETED', `service ${command.serviceId} was deleted: ${command.type} is not possible`, { details: { state: record.state } });
    }
    throw new AppError('STATE_CONFLICT', `service ${command.serviceId} is ${record.state}: ${command.type} is not possible`, { details: { state: record.state } });
  }

  /**
   * The actor of a passivated service, restored from its committed snapshot and started (a
   * service at rest has nothing to resume, so starting only re-arms it). Undefined when there
   * is none to wake: unknown, deleted, never committed, or halted.
   */
  private wake(serviceId: string): LiveService | undefined {
    if (this.halted.has(serviceId) || this.closing) return undefined;
    const stored = this.options.store.actors.load(serviceId);
    if (stored === undefined || stored.final) return undefined;
    if (stored.machineVersion !== SERVICE_MACHINE_VERSION) {
      this.halted.add(serviceId);
      this.options.logger.error({ serviceId, machineVersion: stored.machineVersion }, 'service snapshot refused: it stays as it was until migrated');
      return undefined;
    }
    const service = new LiveService(serviceId, { snapshot: stored.snapshot }, this.liveDeps());
    if (service.restoredStatus === 'error') {
      this.halted.add(serviceId);
      this.options.logger.error({ serviceId }, 'service snapshot refused: it does not fit this machine definition');
      return undefined;
    }
    this.live.set(serviceId, service);
    service.start();
    // A fault while starting (the database refused a write) halted it already.
    if (this.live.get(serviceId) !== service) return undefined;
    this.scheduleRest(serviceId, service);
    return service;
  }

  /** Passivate a service that stays at rest for passivateAfterMs; any transition re-decides. */
  private scheduleRest(serviceId: string, service: LiveService): void {
    this.idle.cancel(serviceId);
    if (!service.atRest || this.closing) return;
    this.idle.arm(serviceId, () => {
      if (this.live.get(serviceId) === service && service.atRest) this.passivate(serviceId, service);
    });
  }

  /** Stop the actor of a service at rest; its committed snapshot (flagged resting) is where it wakes. */
  private passivate(serviceId: string, service: LiveService): void {
    this.idle.cancel(serviceId);
    service.stop();
    this.live.delete(serviceId);
    this.domainsSeen.delete(serviceId);
  }

  /** The first actor of an accepted service: it persists `pending`, then allocates. */
  private startAccepted(serviceId: string, input: ServiceInput): void {
    if (this.closing || this.live.has(serviceId)) return;
    try {
      this.spawn(serviceId, { input }).send({ type: 'create' });
    } catch (error) {
      this.fault(serviceId, error);
    }
  }

  private spawn(serviceId: string, start: { input: ServiceInput }): LiveService {
    const service = new LiveService(serviceId, start, this.liveDeps());
    this.live.set(serviceId, service);
    service.start();
    return service;
  }

  private liveDeps() {
    return {
      store: this.options.store,
      machine: this.machine,
      now: this.now,
      publish: (row: TransitionRow) => this.published(row),
      onFault: (serviceId: string, error: unknown) => this.fault(serviceId, error),
      ...(this.options.inspect === undefined ? {} : { inspect: this.options.inspect }),
    };
  }

  private published(row: TransitionRow): void {
    const service = this.live.get(row.serviceId);
    if (service !== undefined) {
      this.syncDomains(row.serviceId, service.snapshot());
      if (service.done) {
        service.stop();
        this.live.delete(row.serviceId);
        this.domainsSeen.delete(row.serviceId);
      }
      this.scheduleRest(row.serviceId, service);
    }
    for (const listener of this.listeners) {
      try {
        listener(row);
      } catch (error) {
        this.options.logger.error({ err: error }, 'transition listener failed');
      }
    }
  }

  /** Keep the domains table (ownership, quota, audit) in step with the actor's context. */
  private syncDomains(serviceId: string, snapshot: ServiceSnapshot): void {
    const domains = snapshot.context.domains;
    const json = JSON.stringify(domains);
    const before = this.domainsSeen.get(serviceId);
    if (before === json) return;
    this.domainsSeen.set(serviceId, json);
    const { store } = this.options;
    const now = this.now();
    for (const [domain, entry] of Object.entries(domains)) {
      store.domains.upsert({ serviceId, domain, state: entry.state, verificationToken: entry.token }, now);
    }
    for (const record of store.domains.list(serviceId)) {
      if (record.removedAt === null && !(record.domain in domains)) store.domains.markRemoved(serviceId, record.domain, now);
    }
  }

  /** A service whose actor failed or could not be persisted stops here; a restart resumes it. */
  private fault(serviceId: string, error: unknown): void {
    this.options.logger.error({ serviceId, err: error }, 'service actor stopped after a fault; it resumes from its last commit on restart');
    this.halted.add(serviceId);
    this.idle.cancel(serviceId);
    this.live.get(serviceId)?.stop();
    this.live.delete(serviceId);
  }

  private view(record: ServiceRecord): ServiceView {
    return toServiceView(record, this.reading(record.serviceId), this.options.baseDomain);
  }

  private getOrThrow(serviceId: string): ServiceView {
    const view = this.get(serviceId);
    if (view === undefined) throw new AppError('INTERNAL', `service ${serviceId} vanished`);
    return view;
  }

  private reading(serviceId: string): SnapshotReading | undefined {
    const service = this.live.get(serviceId);
    if (service !== undefined) {
      const snapshot = service.snapshot();
      return { value: snapshot.value, context: snapshot.context, busy: snapshot.hasTag('busy'), healthy: snapshot.hasTag('healthy') };
    }
    const stored = this.options.store.actors.load(serviceId);
    if (stored === undefined) return undefined;
    const snapshot = JSON.parse(stored.snapshot) as ServiceSnapshot;
    return { value: snapshot.value, context: snapshot.context, ...this.tagsOf(snapshot) };
  }

  /**
   * The tags of a stored snapshot's state, as its actor would show them (a passivated `active`
   * service is healthy). A snapshot this machine cannot place (refused) shows none.
   */
  private tagsOf(snapshot: ServiceSnapshot): { busy: boolean; healthy: boolean } {
    try {
      const state = this.machine.resolveState({ value: snapshot.value, context: snapshot.context });
      return { busy: state.hasTag('busy'), healthy: state.hasTag('healthy') };
    } catch {
      return { busy: false, healthy: false };
    }
  }

  private inputFor(record: ServiceRecord): ServiceInput | undefined {
    const plan = this.options.plans.find((p) => p.name === record.plan);
    return plan === undefined ? undefined : this.inputOf(record, plan);
  }

  private inputOf(record: ServiceRecord, plan: Plan): ServiceInput {
    return {
      serviceId: record.serviceId,
      email: record.email,
      plan: plan.name,
      publicIp: record.publicIp,
      baseDomain: this.options.baseDomain,
      resources: { memoryMb: plan.memoryMb, diskGb: plan.diskGb, cores: plan.cores },
      domainQuota: plan.domainQuota,
    };
  }

  /** Answer a repeated delivery (same idempotency key) with the first outcome. */
  private replay(serviceId: string, stored: StoredOutcome): CommandOutcome {
    if (!stored.ok) throw storedError(stored);
    return { service: this.getOrThrow(serviceId), created: stored.created };
  }
}

/** The same effects, each waiting for its turn first (build-pacer.ts). */
function paced<T extends Record<string, ((input: never, signal: AbortSignal) => Promise<unknown>) | undefined>>(functions: T, pacer: BuildPacer): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, run] of Object.entries(functions)) {
    wrapped[name] =
      run === undefined
        ? undefined
        : async (input: never, signal: AbortSignal) => {
            await pacer.turn(signal);
            return run(input, signal);
          };
  }
  return wrapped as T;
}

export function createServiceRegistry(options: RegistryOptions): ActorRegistry {
  return new ActorRegistry(options);
}
