/**
 * Request shapes as TypeBox (JSON Schema) objects. Fastify validates every body, query and
 * path parameter against these before a handler runs, so an invalid field is a 400 that names
 * it. Rules JSON Schema cannot say well (e-mail, IPv4, IDN domains, plan names) live in
 * fields.ts and run in the handlers.
 */
import { Type } from 'typebox';
import { MAX_WAIT_SECONDS } from './settle.js';

/** Paymenter ids are integers; operators may use short slugs. Both travel as strings inside. */
export const SERVICE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

const ServiceIdString = Type.String({ pattern: SERVICE_ID_PATTERN, maxLength: 64 });
const ServiceIdInteger = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
const ServiceIdInBody = Type.Union([ServiceIdString, ServiceIdInteger]);

/** Raw domain text: normalised (lower-case, IDN → ASCII) and checked in fields.ts. */
const DomainText = Type.String({ minLength: 1, maxLength: 253 });

/** Bodies refuse unknown properties: a typo in an integration should fail loudly, not be ignored. */
const strict = { additionalProperties: false } as const;

export const CreateSiteBody = Type.Object(
  {
    service_id: ServiceIdInBody,
    email: Type.String({ minLength: 3, maxLength: 254 }),
    plan: Type.String({ minLength: 1, maxLength: 64 }),
    public_ip: Type.String({ minLength: 7, maxLength: 15 }),
  },
  strict,
);

export const ServiceIdBody = Type.Object({ service_id: ServiceIdInBody }, strict);

export const CustomDomainBody = Type.Object({ service_id: ServiceIdInBody, domain: DomainText }, strict);

export const DomainBody = Type.Object({ domain: DomainText }, strict);

/** Query strings stay lenient about extra keys (proxies and cache busters add them). */
export const StatusQuery = Type.Object({ service_id: ServiceIdString });

/**
 * A whole number in a query string: plain decimal digits, kept as text. TypeBox's conversion
 * of query strings would read "1.5" as 1, "true" as 1, "0x10" as 16 and " 5" or "" as numbers;
 * the handlers read the digits with queryInteger (fields.ts), which also checks the range.
 */
const QueryDigits = Type.String({ pattern: '^[0-9]{1,6}$' });

/** `wait`: seconds to hold the reply until the service is active or failed (bounded). */
export const CreateSiteQuery = Type.Object({ wait: Type.Optional(QueryDigits) });
export const WAIT_RANGE = { min: 0, max: MAX_WAIT_SECONDS } as const;

export const PlanBody = Type.Object({ plan: Type.String({ minLength: 1, maxLength: 64 }) }, strict);

export const ListQuery = Type.Object({
  state: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_.-]{0,63}$', maxLength: 64 })),
  after: Type.Optional(ServiceIdString),
  limit: Type.Optional(QueryDigits),
});
export const LIST_LIMIT_RANGE = { min: 1, max: 500 } as const;

export const ServiceParams = Type.Object({ service_id: ServiceIdString });

export const ServiceDomainParams = Type.Object({ service_id: ServiceIdString, domain: DomainText });

export const DEFAULT_LIST_LIMIT = 100;

export const LogQuery = Type.Object({ limit: Type.Optional(QueryDigits) });
export const LOG_LIMIT_RANGE = { min: 1, max: 2000 } as const;

export const DEFAULT_LOG_LIMIT = 200;
