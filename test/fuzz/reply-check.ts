/**
 * The verdict on one fuzzed request: what the server answered must agree with README's
 * contract, and a refused request must leave the database as it was.
 */
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { DbDigest } from './db-digest.js';
import { DOCUMENTED_ERRORS, INPUT_ERRORS, REGISTRY_ERRORS } from './documented-rules.js';
import type { FuzzCase } from './http-cases.js';

/** The documented error body, or a failed assertion naming what is wrong with it. */
export function errorBodyOf(status: number, body: string, what: string): { code: string; message: string; field?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    assert.fail(`${what}: ${status} with a body that is not JSON: ${body.slice(0, 200)}`);
  }
  const error = (parsed as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  assert.ok(typeof error === 'object' && error !== null, `${what}: ${status} without an error object: ${body.slice(0, 200)}`);
  const { code, message, field } = error;
  assert.ok(typeof code === 'string' && code in DOCUMENTED_ERRORS, `${what}: undocumented code ${JSON.stringify(code)}`);
  assert.ok(DOCUMENTED_ERRORS[code]?.includes(status), `${what}: ${code} came with status ${status}`);
  assert.ok(typeof message === 'string' && message !== '', `${what}: empty message`);
  assert.ok(field === undefined || typeof field === 'string', `${what}: field is not a string: ${JSON.stringify(field)}`);
  return { code, message, field };
}

function describe(fuzz: FuzzCase): string {
  const { method, url, headers, payload } = fuzz.request;
  return `${method} ${url.slice(0, 300)} headers=${JSON.stringify(headers).slice(0, 300)} body=${JSON.stringify(payload?.slice(0, 300))}`;
}

/**
 * Checks the answer to `fuzz`. `before`/`after` are database digests around the request.
 * Returns whether the request succeeded (the caller then lets the service settle).
 */
export function checkReply(fuzz: FuzzCase, response: LightMyRequestResponse, before: DbDigest, after: DbDigest): boolean {
  const what = describe(fuzz);
  const status = response.statusCode;
  const isCreate = fuzz.route === 'POST /create-site';
  if (status < 400) {
    assert.ok(status >= 200 && status < 300, `${what}: status ${status}`);
    assert.ok(fuzz.documentedValid, `${what}: accepted (${status}) though it breaks a documented rule: ${response.body.slice(0, 300)}`);
    JSON.parse(response.body);
    return true;
  }
  // 5xx only where README documents it: a full pool on create, a failed service on create?wait.
  const { code, field } = errorBodyOf(status, response.body, what);
  if (status >= 500) {
    const allowed = isCreate && fuzz.documentedValid && (code === 'PROVISIONING_FAILED' ? /[?&]wait=[1-9]/.test(fuzz.request.url) : code !== 'SHUTTING_DOWN');
    assert.ok(allowed, `${what}: ${status} ${code}: ${response.body.slice(0, 300)}`);
  }
  if (status === 401) assert.equal(response.headers['www-authenticate'], 'Bearer', `${what}: 401 without WWW-Authenticate`);
  // Authentication comes first: a wrong token is a 401 whatever else is wrong (only a path
  // the router cannot even decode is refused before it).
  if (!fuzz.authorized) assert.ok(status === 401 || (code === 'VALIDATION_FAILED' && field === 'path'), `${what}: wrong token answered ${status} ${code}`);
  else assert.notEqual(code, 'UNAUTHORIZED', `${what}: right token refused`);
  if (fuzz.drawnValid) assert.ok(!INPUT_ERRORS.has(code), `${what}: a valid request was refused as ${code}: ${response.body.slice(0, 300)}`);
  // Refused: nothing changed. A command the registry refused is recorded in its inbox, by design.
  assert.deepEqual(after.tables, before.tables, `${what}: refused with ${status} ${code} but the database changed`);
  const inboxGrew = after.inboxRows - before.inboxRows;
  const reachedRegistry = REGISTRY_ERRORS.has(code) && fuzz.request.method !== 'GET';
  assert.ok(inboxGrew === 0 || (reachedRegistry && inboxGrew === 1), `${what}: refused with ${code} but the inbox grew by ${inboxGrew}`);
  return false;
}
