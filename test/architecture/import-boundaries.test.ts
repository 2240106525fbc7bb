import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const eslint = new ESLint();

/** Lints one import line as if it stood in `file`; returns the boundary messages. */
async function violations(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport {};\n`, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const forbidden: [string, string][] = [
  ['src/machines/x.ts', "import { readFileSync } from 'node:fs';"],
  ['src/machines/x.ts', "import fs from 'fs';"],
  ['src/machines/x.ts', "import { request } from 'undici';"],
  ['src/machines/x.ts', "import { openStore } from '../persistence/store.js';"],
  ['src/machines/x.ts', "import { buildApp } from '../server/app.js';"],
  ['src/machines/x.ts', "import { something } from '../effects/proxmox/client.js';"],
  ['src/domain/x.ts', "import { setup } from 'xstate';"],
  ['src/domain/x.ts', "import { randomBytes } from 'node:crypto';"],
  ['src/effects/proxmox/x.ts', "import { setup } from 'xstate';"],
  ['src/effects/proxmox/x.ts', "import Database from 'better-sqlite3';"],
  ['src/effects/proxmox/x.ts', "import { openStore } from '../../persistence/store.js';"],
  ['src/persistence/x.ts', "import { createActor } from 'xstate';"],
  ['src/persistence/x.ts', "import { serviceMachine } from '../machines/service.machine.js';"],
  ['src/server/x.ts', "import Database from 'better-sqlite3';"],
  ['src/server/x.ts', "import { openStore } from '../persistence/store.js';"],
  ['src/server/routes/x.ts', "import { client } from '../../effects/cloudflare/client.js';"],
  ['src/actors/x.ts', "import { buildApp } from '../server/app.js';"],
  ['src/actors/x.ts', "import Database from 'better-sqlite3';"],
  ['src/sandbox/x.ts', "import { AppError } from '../errors.js';"],
  ['src/sandbox/x.ts', "import { setup } from 'xstate';"],
];

const allowed: [string, string][] = [
  ['src/machines/x.ts', "import { setup } from 'xstate';"],
  ['src/machines/x.ts', "import { isIPv4 } from '../domain/ipv4.js';"],
  ['src/effects/proxmox/x.ts', "import { request } from 'undici';"],
  ['src/effects/proxmox/x.ts', "import { AppError } from '../../errors.js';"],
  ['src/persistence/x.ts', "import Database from 'better-sqlite3';"],
  ['src/persistence/x.ts', "import { subdomainBase } from '../domain/subdomain.js';"],
  ['src/server/x.ts', "import Fastify from 'fastify';"],
  ['src/server/x.ts', "import type { ServiceRegistry } from '../actors/registry.types.js';"],
  ['src/actors/x.ts', "import { openStore } from '../persistence/store.js';"],
  ['src/main.ts', "import { openStore } from './persistence/store.js';"],
];

describe('the folder boundaries of docs/architecture.md §2', () => {
  for (const [file, source] of forbidden) {
    it(`forbid ${source} in ${file}`, async () => {
      assert.notDeepEqual(await violations(file, source), [], 'the lint rule must fire');
    });
  }
  for (const [file, source] of allowed) {
    it(`allow ${source} in ${file}`, async () => {
      assert.deepEqual(await violations(file, source), []);
    });
  }
});
