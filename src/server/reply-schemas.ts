/**
 * Reply shapes as TypeBox schemas, for the OpenAPI document (openapi.ts) and for the type
 * provider, which checks each handler's return value against them at compile time. They do
 * not shape what is sent: openapi.ts serialises every reply with JSON.stringify, as before
 * they existed, so a field added in wire.ts reaches clients even before it is documented here.
 * test/server/openapi.test.ts validates real replies against them.
 */
import { Type, type TSchema } from 'typebox';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** `success` is always true; errors have their own shape. */
const Success = Type.Boolean({ description: 'always true' });
const EpochMs = Type.Integer({ description: 'milliseconds since the epoch' });
const CodeMessage = Type.Object({ code: Type.String(), message: Type.String() });

export const DomainWire = Type.Object({
  domain: Type.String({ description: 'lower-case ASCII (IDN as punycode)' }),
  state: Type.String({ description: 'verifying, provisioning, active, failed, removing, …' }),
  verification: Type.Object(
    { type: Type.Literal('TXT'), name: Type.String(), value: Type.String() },
    { description: 'publish `value` as a TXT record at `name` to prove ownership' },
  ),
  verify_until: Nullable(EpochMs),
  error: Nullable(CodeMessage),
}, { title: 'Domain' });

export const ServiceWire = Type.Object({
  service_id: Type.String(),
  email: Type.String(),
  plan: Type.String(),
  public_ip: Type.String(),
  vmid: Type.Integer(),
  private_ip: Type.String(),
  subdomain: Type.String(),
  fqdn: Type.String({ description: 'subdomain + the base domain' }),
  state: Type.String({ description: 'top-level lifecycle state: pending, allocating, provisioning, active, suspending, suspended, resuming, reinstalling, restoring, resizing, compensating, failed, deleting, deleted' }),
  step: Nullable(Type.String({ description: 'the active state path; parallel regions joined by `|`' })),
  busy: Type.Boolean({ description: 'work is in flight' }),
  healthy: Type.Boolean({ description: 'the site is expected to serve' }),
  desired: Type.Union([Type.Literal('running'), Type.Literal('suspended')], { description: 'what the customer last asked for' }),
  failure: Nullable(
    Type.Object({ phase: Type.String(), step: Type.String(), code: Type.String(), message: Type.String(), at: EpochMs }),
  ),
  last_error: Nullable(CodeMessage),
  compensation_errors: Type.Array(Type.Object({ step: Type.String(), code: Type.String(), message: Type.String() }), {
    description: 'inverses that failed during a rollback: what may need a hand',
  }),
  initial_snapshot: Type.Boolean({ description: 'the `initial` snapshot exists, so restore is possible' }),
  domains: Type.Array(DomainWire),
  domain_quota: Type.Integer(),
  created_at: EpochMs,
  updated_at: EpochMs,
}, { title: 'Service' });

export const TransitionWire = Type.Object({
  seq: Type.Integer({ description: 'database-wide, gapless' }),
  service_id: Type.String(),
  from: Nullable(Type.String()),
  to: Type.String(),
  event: Type.String(),
  step: Nullable(Type.String()),
  error: Nullable(CodeMessage),
  at: EpochMs,
}, { title: 'Transition' });

const Bytes = Type.Object({ used_bytes: Type.Number(), total_bytes: Type.Number() });

/** `container` and, when Proxmox did not answer in 3 s, `container_error`. */
const ContainerFields = {
  container: Nullable(
    Type.Object(
      { status: Type.String(), node: Type.String(), cpu: Type.Number({ description: 'busy cores' }), memory: Bytes, disk: Bytes, uptime_seconds: Type.Number() },
      { description: "Proxmox's live reading; null before the container exists, after deletion, or when it could not be read" },
    ),
  ),
  container_error: Type.Optional(CodeMessage),
};

export const StatusReply = Type.Object({
  success: Success,
  service: ServiceWire,
  ...ContainerFields,
  transitions: Type.Array(TransitionWire, { description: 'the last 20, oldest first' }),
}, { description: "the service, Proxmox's live reading of its container and its last 20 transitions" });

export const ServiceReply = Type.Object(
  { service: ServiceWire, ...ContainerFields, transitions: Type.Array(TransitionWire) },
  { description: 'the service, its container reading and its last 20 transitions' },
);

export const ServiceListReply = Type.Object({
  services: Type.Array(ServiceWire),
  next: Nullable(Type.String({ description: 'pass as `after` for the next page; null on the last page' })),
}, { description: 'one page of services' });

export const LogReply = Type.Object({
  service_id: Type.String(),
  lines: Type.Array(Type.Object({ id: Type.Integer(), at: EpochMs, line: Type.String() }), { description: 'oldest first' }),
}, { description: 'the newest log lines' });

export const CreateSiteReply = Type.Object({
  success: Success,
  service_id: Type.String(),
  state: Type.String(),
  vmid: Type.Integer(),
  private_ip: Type.String(),
  subdomain: Type.String(),
});

export const LifecycleReply = Type.Object(
  { success: Success, service_id: Type.String(), state: Type.String() },
  { description: 'accepted: the service and its state now' },
);

export const PlanReply = Type.Object({
  success: Success,
  service_id: Type.String(),
  state: Type.String(),
  plan: Type.String({ description: 'the plan in force (the old one until the resize succeeds)' }),
  requested_plan: Type.String(),
}, { description: 'accepted: the resize runs in the background' });

export const DomainAddedReply = Type.Object({
  success: Success,
  service_id: Type.String(),
  domain: Type.String(),
  state: Type.String(),
  verification: Nullable(Type.Object({ type: Type.Literal('TXT'), name: Type.String(), value: Type.String() })),
  verify_until: Nullable(EpochMs),
}, { description: 'accepted: publish the TXT record; verification runs until `verify_until`' });

export const DomainStateReply = Type.Object(
  { success: Success, service_id: Type.String(), domain: Type.String(), state: Type.String() },
  { description: 'accepted: the domain and its state now' },
);

export const DomainListReply = Type.Object(
  { service_id: Type.String(), quota: Type.Integer(), domains: Type.Array(DomainWire) },
  { description: 'the custom domains and the quota' },
);

export const SystemReply = Type.Object({
  mode: Type.String({ description: '`real`, `sandbox (in-process)` or `sandbox (standalone)`' }),
  queues: Type.Record(Type.String(), Type.Object({ active: Type.Integer(), pending: Type.Integer() }), {
    description: 'per external system: requests running and waiting for a slot',
  }),
  liveServices: Type.Integer({ description: 'actors in memory' }),
}, { description: 'the daemon and its queues' });

/** What each error status means across the API (README, HTTP API). */
const ERROR_MEANINGS = {
  400: 'VALIDATION_FAILED: a field is missing, malformed or unknown (`field` names it)',
  401: 'UNAUTHORIZED: missing or wrong bearer token',
  404: 'NOT_FOUND: unknown service or custom domain',
  409: 'STATE_CONFLICT (`state`), DOMAIN_QUOTA_EXCEEDED (`quota`), DOMAIN_TAKEN, SNAPSHOT_MISSING or PLAN_TOO_SMALL',
  410: 'SERVICE_DELETED: only delete is accepted for a deleted service',
  413: 'PAYLOAD_TOO_LARGE: body over 16 KiB',
  415: 'VALIDATION_FAILED: the body is not JSON (`field`: content-type)',
  422: 'UNKNOWN_PLAN (the message lists the plans) or IDEMPOTENCY_KEY_REUSED',
  429: 'RATE_LIMITED: see Retry-After and `retry_after_seconds`',
  502: 'PROVISIONING_FAILED: the service ended in `failed` while the request waited (`failure`)',
  503: 'IP_POOL_EXHAUSTED, VMID_RANGE_EXHAUSTED, SUBDOMAIN_EXHAUSTED or SHUTTING_DOWN: nothing was written; try again later',
} as const;

export type ErrorStatus = keyof typeof ERROR_MEANINGS;

const errorReply = (description: string) =>
  Type.Object(
    {
      error: Type.Object(
        { code: Type.String(), message: Type.String(), field: Type.Optional(Type.String()) },
        { description: 'details such as `state`, `quota` or `failure` sit beside code and message' },
      ),
    },
    { description },
  );

/** Error replies for the given statuses, each with its meaning; 401 and 429 can answer any route. */
export function errorReplies<S extends ErrorStatus>(...statuses: S[]): Record<S | 401 | 429, ReturnType<typeof errorReply>> {
  const all = [...new Set<ErrorStatus>([...statuses, 401, 429])].sort();
  return Object.fromEntries(all.map((status) => [status, errorReply(ERROR_MEANINGS[status])])) as Record<S | 401 | 429, ReturnType<typeof errorReply>>;
}
