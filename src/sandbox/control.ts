/**
 * The sandbox's control plane, on its own loopback port: inject and list faults, read and
 * reset the call counters, publish TXT records on the sandbox DNS server, and expire the
 * proxy manager's tokens or ISPConfig's sessions. Tests and the chaos run drive it; it is
 * never part of a real system, so it has no auth beyond listening on loopback only.
 *
 *   POST   /faults                 {op, kind, status?, message?, headers?, latencyMs?, times?, probability?}
 *   GET    /faults                 → {faults: [...]}
 *   DELETE /faults[?seed=N]        clear (and reseed)
 *   GET    /counters               → {counters: {op: {calls, inFlight, maxInFlight, faulted}}}
 *   DELETE /counters
 *   PUT    /dns/txt/:name          {values: string[]}  ([] removes)
 *   GET    /dns/txt/:name          → {name, values}
 *   POST   /npm/expire-tokens
 *   POST   /ispconfig/expire-sessions
 *   GET    /state                  → containers, proxy hosts, DNS zones, serving sites, SSH counts per node
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { FaultKind, FaultRule, Faults } from './core/faults.js';
import type { World } from './core/world.js';

export interface ControlTargets {
  readonly faults: Faults;
  readonly world: World;
  readonly expireNpmTokens: () => void;
  readonly expireIspconfigSessions: () => void;
  /** Extra read-only state for GET /state. */
  readonly state: () => Record<string, unknown>;
}

const KINDS: readonly FaultKind[] = ['status', 'reset', 'timeout', 'latency'];

const faultBody = {
  type: 'object',
  additionalProperties: false,
  required: ['op', 'kind'],
  properties: {
    op: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { type: 'string', enum: KINDS },
    status: { type: 'integer', minimum: 1, maximum: 599 },
    message: { type: 'string', maxLength: 10_000 },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    latencyMs: { type: 'integer', minimum: 0, maximum: 600_000 },
    times: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', const: 'always' }] },
    probability: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

export function createControlApi(targets: ControlTargets): FastifyInstance {
  const app = Fastify({ logger: false });

  app.post<{ Body: Omit<FaultRule, 'times'> & { times?: number | 'always' } }>('/faults', { schema: { body: faultBody } }, async (request, reply) => {
    const { times, ...rule } = request.body;
    if (rule.kind === 'status' && rule.status === undefined) {
      return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: 'a status fault needs a status', field: 'status' } });
    }
    targets.faults.inject({ ...rule, times: times === 'always' ? Infinity : (times ?? 1) });
    return reply.code(201).send({ faults: serialisable(targets.faults.list()) });
  });
  app.get('/faults', async () => ({ faults: serialisable(targets.faults.list()) }));
  app.delete<{ Querystring: { seed?: number } }>(
    '/faults',
    { schema: { querystring: { type: 'object', properties: { seed: { type: 'integer' } }, additionalProperties: false } } },
    async (request) => {
      targets.faults.clear(request.query.seed);
      return { faults: [] };
    },
  );

  app.get('/counters', async () => ({ counters: targets.faults.counts() }));
  app.delete('/counters', async () => {
    targets.faults.resetCounters();
    return { counters: {} };
  });

  app.put<{ Params: { name: string }; Body: { values: string[] } }>(
    '/dns/txt/:name',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['values'],
          properties: { values: { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 255 } } },
        },
      },
    },
    async (request) => {
      targets.world.setTxt(request.params.name, request.body.values);
      return { name: request.params.name, values: targets.world.txt(request.params.name) };
    },
  );
  app.get<{ Params: { name: string } }>('/dns/txt/:name', async (request) => ({
    name: request.params.name,
    values: targets.world.txt(request.params.name),
  }));

  app.post('/npm/expire-tokens', async () => {
    targets.expireNpmTokens();
    return { expired: true };
  });
  app.post('/ispconfig/expire-sessions', async () => {
    targets.expireIspconfigSessions();
    return { expired: true };
  });

  app.get('/state', async () => ({
    containers: [...targets.world.containers.values()].map((c) => ({ vmid: c.vmid, node: c.node, status: c.status, ip: c.ip, hostname: c.hostname, files: [...c.files.keys()] })),
    ...targets.state(),
  }));

  return app;
}

/** JSON has no Infinity: a standing fault is reported as `times: "always"`. */
function serialisable(rules: FaultRule[]) {
  return rules.map((rule) => ({ ...rule, times: rule.times === Infinity ? 'always' : rule.times }));
}
