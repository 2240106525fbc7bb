/**
 * The app factory: routes, auth, errors and the WebSocket feed wired around one
 * ServiceRegistry. It builds and never listens; src/main.ts listens, tests inject or listen
 * on port 0.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyLoggerOptions, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { ServerOptions } from 'node:http';
import type { LoggerOptions as PinoLoggerOptions } from 'pino';
import { TypeBoxValidatorCompiler, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ServiceRegistry } from '../actors/registry.types.js';
import { createTokenCheck, installBearerAuth } from './auth.js';
import { installRateLimit, type AddressLimit, type RateLimitOptions } from './rate-limit.js';
import type { ReadContainer } from './container-reading.js';
import { serializeRequest } from '../log.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './error-handler.js';
import { attachFeed, type FeedOptions } from './feed.js';
import { registerOpenApi } from './openapi.js';
import { registerOperationsRoutes, type OperationsDeps } from './routes/operations.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerMachineRoutes } from './routes/machines.js';
import { registerServiceRoutes } from './routes/services.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { SettleWaiters } from './settle.js';

export const DEFAULT_BODY_LIMIT = 16 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface SystemStatus {
  /** `real` or `sandbox`. */
  readonly mode: string;
  /** Per external system: requests running and waiting for a slot. */
  readonly queues: Readonly<Record<string, { readonly active: number; readonly pending: number }>>;
  /** Actors in memory (unfinished services). */
  readonly liveServices: number;
}

export type LoggerDep = boolean | (FastifyLoggerOptions & PinoLoggerOptions) | FastifyBaseLogger;

export interface AppDeps extends OperationsDeps {
  readonly registry: ServiceRegistry;
  /** The shared secret every request presents as `Authorization: Bearer <token>`. */
  readonly apiToken: string;
  /** Plan names from configuration. */
  readonly plans: readonly string[];
  /** Logger options (the app creates a pino logger) or a logger instance; omitted or false: silent. */
  readonly logger?: LoggerDep;
  /** Largest accepted request body in bytes. Default 16 KiB. */
  readonly bodyLimit?: number;
  readonly feed?: FeedOptions;
  /**
   * What the daemon drives and how much work waits per system (GET /v1/system). Given by the
   * composition root, which alone knows the infrastructure.
   */
  readonly system?: () => SystemStatus;
  /** Live container status and usage (Proxmox) for GET /status and GET /v1/services/:id. */
  readonly readContainer?: ReadContainer;
  /** Requests per client address and window; absent or false: no limit (the daemon sets one, see config). */
  readonly rateLimit?: RateLimitOptions | false;
  /**
   * How long a client may take to send a whole request (headers and body) before it gets 408
   * and the connection is closed. Default 30 s. Covers arrival only: a handler that takes
   * longer (create-site?wait) is not cut off.
   */
  readonly requestTimeoutMs?: number;
}

const AUTHORIZATION = 'req.headers.authorization';

function isLoggerInstance(logger: LoggerDep): logger is FastifyBaseLogger {
  return typeof logger === 'object' && typeof (logger as { child?: unknown }).child === 'function';
}

/** Our options win where secrets are concerned: the Authorization header is always redacted. */
function loggerOptions(logger: LoggerDep | undefined): Pick<FastifyServerOptions, 'logger' | 'loggerInstance'> {
  if (logger === undefined || logger === false) return { logger: false };
  if (isLoggerInstance(logger)) return { loggerInstance: logger };
  const given = logger === true ? {} : logger;
  const redact = Array.isArray(given.redact)
    ? [...given.redact, AUTHORIZATION]
    : given.redact === undefined
      ? [AUTHORIZATION]
      : { ...given.redact, paths: [...given.redact.paths, AUTHORIZATION] };
  return { logger: { ...given, redact, serializers: { req: serializeRequest, ...given.serializers } } };
}

/**
 * Node's limits on a request's arrival. Fastify's default requestTimeout is 0 (none), so a client
 * sending a byte now and then (slowloris) would hold its socket for ever. Node also has
 * headersTimeout (60 s by default, for the headers alone); it must not exceed requestTimeout, and
 * one limit is enough here, so it is the same. Node only looks for expired requests every
 * connectionsCheckingInterval (30 s by default, which would double a 30 s limit): a tenth of the
 * limit, at most 1 s, keeps the answer close to the limit at the cost of one cheap timer.
 */
function timeoutOptions(requestTimeoutMs: number): { requestTimeout: number; http: ServerOptions } {
  return {
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, Math.max(10, Math.floor(requestTimeoutMs / 10))),
    },
  };
}

/**
 * One access line per request, written when it is answered, with the request (method, URL with
 * its token censored by the req serializer), status and time. Fastify's default writes two, the
 * first on arrival saying nothing the second does not; at hundreds of requests a second the
 * redaction and write of each line is a measurable share of a request (docs/performance.md §4).
 * Every other line Fastify writes (errors, 404s, closing) is left as it is.
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {
    // Said by requestCompleted.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const line = { req: request, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const check = createTokenCheck(deps.apiToken);
  const app = Fastify({
    ...loggerOptions(deps.logger),
    ...timeoutOptions(deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    logController: new OneLinePerRequest(),
    // Path parameters hold service ids (≤ 64) and domains (≤ 253).
    routerOptions: { maxParamLength: 300 },
    frameworkErrors,
    // What Node's HTTP parser refuses (bad request line, 431, 408, broken chunking) is answered
    // in the API's error shape, not Fastify's.
    clientErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // TypeBox's own checker: bodies are validated as sent (no type coercion), query strings
  // and path parameters are converted ("100" → 100) before the check.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  // JSON only: anything else is a 415, not a string body that fails validation later.
  app.removeContentTypeParser('text/plain');
  // Before any route: the OpenAPI document is built from the routes declared after it.
  registerOpenApi(app);

  installErrorHandling(app);
  const limit = deps.rateLimit ?? false;
  let upgradeLimit: AddressLimit | undefined;
  if (limit === false) installBearerAuth(app, check);
  else upgradeLimit = installRateLimit(app, limit, () => installBearerAuth(app, check));
  const waiters = new SettleWaiters(deps.registry);
  // Before the server stops accepting: a create-site?wait request must not hold shutdown up.
  app.addHook('preClose', async () => waiters.releaseAll());
  registerWebhookRoutes(app, deps, waiters);
  registerServiceRoutes(app, deps);
  registerMachineRoutes(app);
  registerDashboardRoutes(app);
  registerOperationsRoutes(app, deps);
  attachFeed(app, deps.registry, check, deps.feed, upgradeLimit);
  const system = deps.system;
  if (system !== undefined) app.get('/v1/system', async () => system());
  return app;
}
