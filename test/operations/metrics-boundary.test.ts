/**
 * The folder rule of src/metrics (eslint.config.js): metrics observe through callbacks and the
 * registry's interface; they reach no SQL, no infrastructure client and no HTTP server.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();

async function violations(source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: 'src/metrics/x.ts' });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const forbidden = [
  "import Database from 'better-sqlite3';",
  "import { request } from 'undici';",
  "import Fastify from 'fastify';",
  "import { openStore } from '../persistence/store.js';",
  "import { createProxmoxClient } from '../effects/proxmox/client.js';",
  "import { buildApp } from '../server/app.js';",
  "import { buildInfrastructure } from '../infrastructure.js';",
  "import { loadConfig } from '../config.js';",
];

const allowed = [
  "import { Registry } from 'prom-client';",
  "import type { ServiceRegistry } from '../actors/registry.types.js';",
  "import { toStepError } from '../errors.js';",
  "import { monitorEventLoopDelay } from 'node:perf_hooks';",
];

describe('the src/metrics boundary', () => {
  for (const source of forbidden) {
    it(`forbids ${source}`, async () => assert.notDeepEqual(await violations(source), [], 'the lint rule must fire'));
  }
  for (const source of allowed) {
    it(`allows ${source}`, async () => assert.deepEqual(await violations(source), []));
  }
});
