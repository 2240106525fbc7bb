/**
 * One running service actor and its durability: after every macrostep the persisted
 * snapshot and a transition row are committed in one SQLite transaction, and only then is
 * the transition published. Nothing is written after stop() (a stopped snapshot would
 * restore inert), and a write failure is reported, never thrown into XState (it would
 * crash the process from a timer).
 */
import { createActor, toObserver, type Actor, type ActorOptions, type InspectionEvent, type Observer, type Snapshot, type SnapshotFrom } from 'xstate';
import type { ServiceMachine } from '../machines/service.machine.js';
import { SERVICE_MACHINE_VERSION, type ServiceEvent, type ServiceInput } from '../machines/service.types.js';
import { statePaths, stepOf, topState } from '../machines/service.views.js';
import type { Store, TransitionRow } from '../persistence/types.js';
import { isAtRest } from './at-rest.js';

export type ServiceSnapshot = SnapshotFrom<ServiceMachine>;

export interface LiveServiceDeps {
  readonly store: Store;
  readonly machine: ServiceMachine;
  readonly now: () => number;
  /** Called after each commit, in sequence order. */
  readonly publish: (row: TransitionRow) => void;
  /** Called when the actor errors or its snapshot cannot be written. */
  readonly onFault: (serviceId: string, error: unknown) => void;
  /** Also sees the actor system's inspection events (development: the Stately inspector). */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

export type Start = { readonly input: ServiceInput } | { readonly snapshot: string };

export class LiveService {
  readonly serviceId: string;
  private readonly actor: Actor<ServiceMachine>;
  private readonly deps: LiveServiceDeps;
  private lastJson: string | null;
  private lastPath: string | null;
  private lastFailureAt: number | null;
  private lastEvent = 'xstate.init';
  private stopped = false;

  constructor(serviceId: string, start: Start, deps: LiveServiceDeps) {
    this.serviceId = serviceId;
    this.deps = deps;
    const observer = deps.inspect === undefined ? undefined : toObserver(deps.inspect);
    const inspect = (event: InspectionEvent): void => {
      // The root actor's received events name the cause of the next transition.
      if (event.type === '@xstate.event' && event.actorRef === this.actor) this.lastEvent = event.event.type;
      try {
        observer?.next?.(event);
      } catch {
        // An observer is a development tool: it must never break the actor it watches.
      }
    };
    if ('snapshot' in start) {
      const snapshot = JSON.parse(start.snapshot) as ServiceSnapshot;
      // Input only seeds a fresh context; a restored actor takes its context from the snapshot.
      this.actor = createActor(deps.machine, { snapshot: snapshot as Snapshot<unknown>, inspect } as ActorOptions<ServiceMachine> & { input: ServiceInput });
      this.lastJson = start.snapshot;
      this.lastPath = statePaths(snapshot.value).join('|');
      this.lastFailureAt = snapshot.context.failure?.at ?? null;
    } else {
      this.actor = createActor(deps.machine, { input: start.input, inspect });
      this.lastJson = null;
      this.lastPath = null;
      this.lastFailureAt = null;
    }
  }

  /** A restored snapshot that names states this machine does not have comes back as `error`. */
  get restoredStatus(): string {
    return this.actor.getSnapshot().status;
  }

  start(): void {
    this.actor.subscribe({
      next: (snapshot) => this.persist(snapshot),
      error: (error) => this.deps.onFault(this.serviceId, error),
    });
    this.actor.start();
    // A fresh actor's initial state is a transition too: record it.
    this.persist(this.actor.getSnapshot());
  }

  send(event: ServiceEvent): void {
    this.actor.send(event);
  }

  can(event: ServiceEvent): boolean {
    return this.actor.getSnapshot().can(event);
  }

  snapshot(): ServiceSnapshot {
    return this.actor.getSnapshot();
  }

  get done(): boolean {
    return this.actor.getSnapshot().status === 'done';
  }

  /** Nothing in flight: the actor may be stopped and woken from its snapshot later (at-rest.ts). */
  get atRest(): boolean {
    return isAtRest(this.actor.getSnapshot());
  }

  /** Stop without persisting: the last committed snapshot is where a restart resumes. */
  stop(): void {
    this.stopped = true;
    this.actor.stop();
  }

  private persist(snapshot: ServiceSnapshot): void {
    if (this.stopped || (snapshot.status !== 'active' && snapshot.status !== 'done')) return;
    try {
      const json = JSON.stringify(this.actor.getPersistedSnapshot());
      if (json === this.lastJson) return;
      const path = statePaths(snapshot.value).join('|');
      const failure = snapshot.context.failure;
      const newFailure = failure !== null && failure.at !== this.lastFailureAt ? failure : null;
      // A transient error is news only on the transition its error event caused.
      const transient = this.lastEvent.startsWith('xstate.error.actor.') ? snapshot.context.lastError : null;
      const error = newFailure ?? transient;
      const at = this.deps.now();
      const change = {
        serviceId: this.serviceId,
        from: this.lastPath,
        to: path,
        event: this.lastEvent,
        step: stepOf(snapshot.value),
        error: error === null ? null : { code: error.code, message: error.message },
        at,
      };
      const seq = this.deps.store.actors.commit({
        ...change,
        machineVersion: SERVICE_MACHINE_VERSION,
        snapshot: json,
        final: snapshot.status === 'done',
        resting: isAtRest(snapshot),
        state: topState(snapshot.value),
        plan: { name: snapshot.context.plan, domainQuota: snapshot.context.domainQuota },
      });
      this.lastJson = json;
      this.lastPath = path;
      this.lastFailureAt = failure?.at ?? null;
      this.deps.publish({ seq, ...change });
    } catch (error) {
      this.deps.onFault(this.serviceId, error);
    }
  }
}
