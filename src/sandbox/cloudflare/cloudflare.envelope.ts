/**
 * The Cloudflare v4 envelope and the error catalogue. Every answer is
 * `{result, success, errors, messages, result_info?}` (the key order of real responses); errors are
 * `{code, message}` pairs the client must branch on by code. Codes and texts come from raw
 * responses quoted in public issue threads (reference NOTES §2); where no real code is known the
 * entry says which documented code was chosen instead.
 */
import type { FastifyReply } from 'fastify';
import { sendShape, type ErrorShape } from '../core/http-simulator.js';

export interface CloudflareMessage {
  readonly code: number;
  readonly message: string;
  /** Header errors (6003) wrap their cause here. */
  readonly error_chain?: readonly CloudflareMessage[];
}

export interface ResultInfo {
  readonly page: number;
  readonly per_page: number;
  readonly count: number;
  readonly total_count: number;
  readonly total_pages: number;
}

export function success(result: unknown, resultInfo?: ResultInfo): Record<string, unknown> {
  const body: Record<string, unknown> = { result, success: true, errors: [], messages: [] };
  if (resultInfo !== undefined) body.result_info = resultInfo;
  return body;
}

export function failure(status: number, ...errors: CloudflareMessage[]): ErrorShape {
  return { status, body: { result: null, success: false, errors, messages: [] } };
}

/** Send an error shape from a handler; returns the reply so handlers can `return sendError(…)`. */
export function sendError(reply: FastifyReply, shape: ErrorShape): FastifyReply {
  sendShape(reply, shape);
  return reply;
}

const SAME_NAME_DOC =
  ' For more details, refer to <https://developers.cloudflare.com/dns/manage-dns-records/troubleshooting/records-with-same-name/>.';

/** Errors the simulator answers with, by meaning. */
export const CF = {
  // --- authentication (cloudflare-python#2678, ddns-go#81, cert-manager#4465, favonia#897)
  /** Observed WITHOUT `messages`/`result`: `{"success":false,"errors":[…]}` only. */
  missingAuth: (): ErrorShape => ({
    status: 400,
    body: { success: false, errors: [{ code: 9106, message: 'Missing X-Auth-Key, X-Auth-Email or Authorization headers' }] },
  }),
  badAuthorizationHeader: (): ErrorShape =>
    failure(400, {
      code: 6003,
      message: 'Invalid request headers',
      error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
    }),
  badGlobalKeyHeaders: (chain: CloudflareMessage[]): ErrorShape =>
    failure(400, { code: 6003, message: 'Invalid request headers', error_chain: chain }),
  /** A well-formed global key the sandbox does not know: it issues API tokens only. */
  unknownGlobalKey: (): ErrorShape => failure(403, { code: 9103, message: 'Unknown X-Auth-Key or X-Auth-Email' }),
  invalidToken: (): ErrorShape => failure(403, { code: 9109, message: 'Invalid access token' }),
  /** `GET /user/tokens/verify` answers an unknown token this way, not with 9109. */
  invalidApiToken: (): ErrorShape => failure(401, { code: 1000, message: 'Invalid API Token' }),

  // --- rate limit (RiotGames/cloud-inquisitor#153: code 10100; lablabs/cloudflare-exporter#74: 429)
  rateLimited: (requests: number, windowSeconds: number): ErrorShape =>
    failure(429, {
      code: 10100,
      message: `More than ${requests} requests per ${windowSeconds} seconds reached. Please wait and consider throttling your request speed`,
    }),

  // --- routing (spec example; wrangler/workers threads: 400 with 7003 then 7000)
  couldNotRoute: (path: string): ErrorShape =>
    failure(
      400,
      { code: 7003, message: `Could not route to ${path}, perhaps your object identifier is invalid?` },
      { code: 7000, message: 'No route for that URI' },
    ),
  noRoute: (): ErrorShape => failure(400, { code: 7003, message: 'No route for the URI' }),
  recordNotFound: (): ErrorShape => failure(404, { code: 81044, message: 'Record does not exist.' }),

  // --- request body (timothymiller/cloudflare-ddns#206: wrong JSON types → 9207)
  invalidBody: (): ErrorShape => failure(400, { code: 9207, message: 'Request body is invalid.' }),

  // --- DNS validation. Since 2024-10-01 the root cause is returned directly, no 1004 wrapper
  // (cloudflare-docs#15317 "Error chains for DNS validation errors").
  invalidName: (): ErrorShape => failure(400, { code: 9000, message: 'DNS name is invalid.' }),
  invalidIpv4: (): ErrorShape => failure(400, { code: 9005, message: 'Content for A record must be a valid IPv4 address.' }),
  /** Code inferred from 9005 (A): the old catalogue numbered A/AAAA/CNAME consecutively too. */
  invalidIpv6: (): ErrorShape => failure(400, { code: 9006, message: 'Content for AAAA record must be a valid IPv6 address.' }),
  /** Message observed (fruitionsite#79); code inferred as for AAAA. */
  invalidCname: (): ErrorShape => failure(400, { code: 9007, message: 'Content for CNAME record is invalid.' }),
  invalidTtl: (): ErrorShape => failure(400, { code: 9021, message: 'TTL must be between 60 and 86400 seconds, or 1 for Automatic.' }),
  notProxiable: (): ErrorShape => failure(400, { code: 9004, message: 'This record type cannot be proxied.' }),
  /** Message observed (aaPanel's Cloudflare client); no code known: 1004, the DNS validation code. */
  invalidType: (): ErrorShape => failure(400, { code: 1004, message: 'DNS record type is invalid.' }),
  /** A valid type the sandbox does not model: said plainly, so nobody mistakes it for the real API. */
  unsupportedType: (type: string, simulated: readonly string[]): ErrorShape =>
    failure(400, { code: 1004, message: `The sandbox does not simulate ${type} records: only ${simulated.join(', ')}.` }),
  /** No raw response known for these: 1004, the DNS validation code. */
  invalidContent: (type: string): ErrorShape => failure(400, { code: 1004, message: `Content for ${type} record is invalid.` }),
  commentTooLong: (): ErrorShape =>
    failure(400, { code: 1004, message: 'DNS record comment cannot be longer than 100 characters.' }),
  invalidTag: (tag: string): ErrorShape =>
    failure(400, { code: 1004, message: `DNS record tag "${tag}" is invalid: tags are "name:value" with a name of letters, digits, "_" and "-".` }),
  /** Query values outside the spec's types or enums; no raw response known, 1004 chosen. */
  invalidQuery: (parameter: string): ErrorShape =>
    failure(400, { code: 1004, message: `Invalid value for the '${parameter}' parameter.` }),

  // --- conflicts (jeessy2/ddns-go#1149, #1378, #1557; certbot#9962; terraform-provider-cloudflare#1247)
  /** Same type, name and content as a record whose TTL or proxy status differs. */
  recordExists: (): ErrorShape => failure(400, { code: 81057, message: 'Record already exists.' }),
  /** Same type, name, content, TTL and proxy status: identical "settings" (certbot#9962's text). */
  identicalRecord: (): ErrorShape => failure(400, { code: 81058, message: 'An identical record already exists.' }),
  cnameConflict: (): ErrorShape =>
    failure(400, { code: 81053, message: `An A, AAAA, or CNAME record with that host already exists.${SAME_NAME_DOC}` }),
  addressOverCname: (): ErrorShape =>
    failure(400, { code: 81054, message: `A CNAME record with that host already exists.${SAME_NAME_DOC}` }),

  internal: (): ErrorShape => failure(500, { code: 10000, message: 'Internal Server Error' }),
} as const;

/**
 * The shape of an injected `status` fault: the real envelope with the code Cloudflare uses for
 * that status class. A 429 gets a Retry-After (a rule's own headers override it) because every
 * real 429 carries one.
 */
export function formatCloudflareError(status: number, message: string): ErrorShape {
  const code = status === 429 ? 10100 : status === 404 ? 7003 : status === 400 ? 1004 : 10000;
  const shape = failure(status, { code, message });
  return status === 429 ? { ...shape, headers: { 'retry-after': '1' } } : shape;
}
