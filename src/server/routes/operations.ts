/**
 * What operators and their tools poll: Prometheus metrics and the two probes. The probes are
 * public (they reveal nothing and change nothing: a load balancer or systemd watchdog has no
 * token); /metrics needs the bearer token unless the operator makes it public, because it
 * shows the shape of the business (how many sites, how often things fail).
 */
import type { FastifyReply } from 'fastify';
import type { TypedApp } from '../commands.js';
import { wireError } from '../error-handler.js';

export interface MetricsEndpoint {
  /** The exposition format's Content-Type. */
  readonly contentType: string;
  render(): Promise<string>;
  /** Told of every answered request (route pattern, never the raw path). */
  countRequest(method: string, route: string, status: number): void;
}

export interface ReadinessProbe {
  report(): { readonly ready: boolean; readonly shuttingDown: boolean; readonly reasons: readonly string[] };
}

export interface OperationsDeps {
  /** Serves GET /metrics and counts requests; absent: no /metrics route. */
  readonly metrics?: MetricsEndpoint;
  /** Serve /metrics without the token (PROVISIOND_METRICS_PUBLIC). Default false. */
  readonly metricsPublic?: boolean;
  /** Answers GET /readyz; absent: ready whenever the app answers. */
  readonly readiness?: ReadinessProbe;
}

// Fastify's router accepts many methods; only these become label values.
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const UNMATCHED = '(unmatched)';

const started = Date.now();

function notReady(reply: FastifyReply, report: ReturnType<ReadinessProbe['report']>) {
  const code = report.shuttingDown ? 'SHUTTING_DOWN' : 'NOT_READY';
  const { status, body } = wireError(503, code, `not ready: ${report.reasons.join('; ')}`, { reasons: report.reasons });
  return reply.code(status).header('cache-control', 'no-store').send(body);
}

export function registerOperationsRoutes(app: TypedApp, deps: OperationsDeps): void {
  // Answering at all proves the process is up and its event loop turns; a probe's own
  // timeout catches a loop that is stuck. Nothing else is checked: a failing dependency is
  // readiness's business, and restarting the process would not fix it.
  const livez = { tags: ['operations'], summary: 'Liveness probe: the process is up and its event loop turns (no token)' };
  app.get('/livez', { config: { public: true }, schema: livez }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { status: 'live', uptime_seconds: Math.round((Date.now() - started) / 1000) };
  });

  const readyz = {
    tags: ['operations'],
    summary: 'Readiness probe: database answers, services restored, not shutting down (no token)',
    description: '200 `{status: "ready"}`, else 503 with `error.code` NOT_READY or SHUTTING_DOWN and `error.reasons`.',
  };
  app.get('/readyz', { config: { public: true }, schema: readyz }, async (_request, reply) => {
    const report = deps.readiness?.report() ?? { ready: true, shuttingDown: false, reasons: [] };
    if (!report.ready) return notReady(reply, report);
    reply.header('cache-control', 'no-store');
    return { status: 'ready' };
  });

  const metrics = deps.metrics;
  if (metrics === undefined) return;
  const schema = {
    tags: ['operations'],
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Behind the bearer token unless PROVISIOND_METRICS_PUBLIC=true. Families: provisiond_transitions_total, provisiond_effect_duration_seconds, provisiond_effect_failures_total, provisiond_effects_in_flight, provisiond_queue_depth, provisiond_provisions_in_flight, provisiond_services_in_flight, provisiond_live_services, provisiond_http_requests_total, and the process defaults.',
  };
  app.get('/metrics', { config: { public: deps.metricsPublic === true }, schema }, async (_request, reply) => {
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
  });
  app.addHook('onResponse', async (request, reply) => {
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    const route = request.is404 ? UNMATCHED : (request.routeOptions.url ?? UNMATCHED);
    metrics.countRequest(method, route, reply.statusCode);
  });
}
