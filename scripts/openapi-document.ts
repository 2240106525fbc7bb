/**
 * The OpenAPI document as the daemon serves it at /docs/json, built from buildApp without
 * listening and without a database: the app only keeps the registry until a request comes,
 * and none does. Every optional part of the app is switched on, so that every route the daemon
 * can serve is in the document. `npm run openapi` writes it to docs/openapi.json;
 * test/server/openapi.test.ts fails when that file is stale.
 */
import { fileURLToPath } from 'node:url';
import type { ServiceRegistry } from '../src/actors/registry.types.js';
import { DEFAULT_PLANS } from '../src/domain/plans.js';
import { buildApp } from '../src/server/app.js';
import { OPENAPI_JSON_PATH } from '../src/server/openapi.js';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

function unused(): never {
  throw new Error('the registry is not used while the document is generated');
}

const registry: ServiceRegistry = {
  execute: unused,
  committed: unused,
  get: unused,
  list: unused,
  recentTransitions: unused,
  transitionsAfter: unused,
  lastSeq: unused,
  onTransition: unused,
  logTail: unused,
  onLog: unused,
};

/** The document, formatted as committed (two-space JSON and a final newline). */
export async function openApiDocument(): Promise<string> {
  const app = buildApp({
    registry,
    // Never presented to anyone: the document is read through inject.
    apiToken: 'openapi-document-generation',
    plans: DEFAULT_PLANS.map((plan) => plan.name),
    system: () => ({ mode: 'sandbox (in-process)', queues: {}, liveServices: 0 }),
    metrics: { contentType: 'text/plain; version=0.0.4', render: async () => '', countRequest: () => undefined },
    readiness: { report: () => ({ ready: true, shuttingDown: false, reasons: [] }) },
  });
  try {
    const response = await app.inject({ method: 'GET', url: OPENAPI_JSON_PATH });
    if (response.statusCode !== 200) throw new Error(`${OPENAPI_JSON_PATH} answered ${response.statusCode}: ${response.body}`);
    return `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
