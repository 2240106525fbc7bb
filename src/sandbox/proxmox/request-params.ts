/**
 * How pveproxy collects parameters: a form-encoded or JSON body (JSON since fix #2766), the
 * query string merged over it (query wins), then the path's own parameters, which a body or
 * query value may repeat only with the same value.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { paramError, PveError } from './pve-errors.js';

/** application/x-www-form-urlencoded the way decode_urlencoded reads it: repeats join with NUL. */
export function decodeForm(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    result[key] = result[key] === undefined ? value : `${result[key]}\0${value}`;
  }
  return result;
}

/** Replace Fastify's body parsers: empty JSON bodies are fine, anything not JSON is read as a form. */
export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body).trim();
    if (text === '') return done(null, {});
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      done(null, parsed);
    } catch {
      done(new PveError(400, 'Parameter verification failed.', { body: 'unable to parse JSON request body' }));
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, decodeForm(String(body))));
}

/** Body, then query over it, then the path parameters (conflicting repeats are a 400). */
export function mergeParams(request: FastifyRequest): Record<string, unknown> {
  const body = request.body !== null && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {};
  const queryText = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
  const merged: Record<string, unknown> = { ...body, ...decodeForm(queryText) };
  delete merged._dc; // ExtJS's cache buster, dropped by pveproxy
  const path = (request.params ?? {}) as Record<string, string>;
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(path)) {
    if (merged[key] !== undefined && String(merged[key]) !== value) {
      errors[key] = 'duplicate parameter (already defined in URI) with conflicting values!';
    }
    merged[key] = value;
  }
  if (Object.keys(errors).length > 0) throw paramError(errors);
  return merged;
}
