/**
 * The daemon's Prometheus metrics (`provisiond_*`), in a registry of their own: the process
 * may build several apps (tests do), and prom-client's global registry would mix them.
 * Counters and histograms are fed as things happen (transitions, effect calls, requests);
 * gauges of current state (queues, services in flight) are read at scrape time from sources
 * the composition root supplies.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EffectObserver } from './effect-timing.js';
import { transitionLabels } from './transition-labels.js';

export interface MetricsSources {
  /** Requests running and waiting per external system (Infrastructure.queues()). */
  readonly queues?: () => Readonly<Record<string, { readonly active: number; readonly pending: number }>>;
  /** Services per busy top-level state, read when scraped (see services-in-flight.ts). */
  readonly servicesInFlight?: () => Readonly<Record<string, number>>;
  /** Actors in memory. */
  readonly liveServices?: () => number;
}

/** Top-level states of a build that has not finished: what "provisions in flight" counts. */
export const PROVISION_STATES = ['pending', 'allocating', 'provisioning', 'compensating'] as const;

// Effects run from milliseconds (a DNS record) to many minutes (container, installer).
const EFFECT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export interface Metrics {
  readonly registry: Registry;
  /** Observes every infrastructure effect call (duration, failures by code, in flight). */
  readonly effects: EffectObserver;
  /** Count one committed transition (subscribe with ServiceRegistry.onTransition). */
  countTransition(row: { readonly from: string | null; readonly to: string; readonly event: string }): void;
  countRequest(method: string, route: string, status: number): void;
  /** Where the scrape-time gauges read from; set once the infrastructure and registry exist. */
  watch(sources: MetricsSources): void;
  readonly contentType: string;
  render(): Promise<string>;
}

export function createMetrics(options: { readonly defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  let sources: MetricsSources = {};

  const transitions = new Counter({
    name: 'provisiond_transitions_total',
    help: 'Committed transitions of service actors, by top-level state and event type',
    labelNames: ['machine', 'from', 'to', 'event'] as const,
    registers,
  });
  const effectDuration = new Histogram({
    name: 'provisiond_effect_duration_seconds',
    help: 'Duration of infrastructure effect calls, by system, operation and outcome (ok, error, cancelled)',
    labelNames: ['system', 'operation', 'outcome'] as const,
    buckets: EFFECT_BUCKETS,
    registers,
  });
  const effectFailures = new Counter({
    name: 'provisiond_effect_failures_total',
    help: 'Infrastructure effect calls that failed, by system, operation and error code',
    labelNames: ['system', 'operation', 'code'] as const,
    registers,
  });
  const effectsInFlight = new Gauge({ name: 'provisiond_effects_in_flight', help: 'Infrastructure effect calls running now, by system', labelNames: ['system'] as const, registers });
  const requests = new Counter({ name: 'provisiond_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames: ['method', 'route', 'status'] as const, registers });

  new Gauge({
    name: 'provisiond_queue_depth',
    help: 'Requests to each external system: active (running) and pending (waiting for a slot of its concurrency limit)',
    labelNames: ['system', 'kind'] as const,
    registers,
    collect() {
      this.reset();
      for (const [system, queue] of Object.entries(sources.queues?.() ?? {})) {
        this.set({ system, kind: 'active' }, queue.active);
        this.set({ system, kind: 'pending' }, queue.pending);
      }
    },
  });
  new Gauge({
    name: 'provisiond_services_in_flight',
    help: 'Services in a busy top-level state (work under way), by state',
    labelNames: ['state'] as const,
    registers,
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(sources.servicesInFlight?.() ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'provisiond_provisions_in_flight',
    help: `Services whose build has not finished (${PROVISION_STATES.join(', ')})`,
    registers,
    collect() {
      const byState = sources.servicesInFlight?.() ?? {};
      this.set(PROVISION_STATES.reduce((sum, state) => sum + (byState[state] ?? 0), 0));
    },
  });
  new Gauge({
    name: 'provisiond_live_services',
    help: 'Service actors in memory (every service not deleted)',
    registers,
    collect() {
      this.set(sources.liveServices?.() ?? 0);
    },
  });

  return {
    registry,
    effects: ({ system, operation }) => {
      const started = process.hrtime.bigint();
      effectsInFlight.inc({ system });
      return (ended) => {
        effectsInFlight.dec({ system });
        effectDuration.observe({ system, operation, outcome: ended.outcome }, Number(process.hrtime.bigint() - started) / 1e9);
        if (ended.outcome === 'error') effectFailures.inc({ system, operation, code: ended.code });
      };
    },
    countTransition: (row) => transitions.inc({ ...transitionLabels(row) }),
    countRequest: (method, route, status) => requests.inc({ method, route, status: String(status) }),
    watch: (next) => {
      sources = next;
    },
    contentType: registry.contentType,
    render: () => registry.metrics(),
  };
}
