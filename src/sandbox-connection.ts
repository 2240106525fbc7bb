/**
 * Reads the connection file a standalone sandbox writes (`npm run sandbox`), validated so a
 * stale or hand-edited file fails at start with the key at fault.
 */
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { AppError } from './errors.js';
import type { SandboxConnection } from './sandbox/sandbox.js';

const Url = Type.String({ pattern: '^https?://' });
const Endpoint = Type.Object({ host: Type.String(), port: Type.Integer({ minimum: 1, maximum: 65_535 }) });
const ConnectionSchema = Type.Object({
  baseDomain: Type.String(),
  pools: Type.Object({ privateIps: Type.Object({ first: Type.String(), last: Type.String() }) }),
  proxmox: Type.Object({ url: Url, tokenId: Type.String(), tokenSecret: Type.String(), nodes: Type.Array(Type.String()) }),
  cloudflare: Type.Object({ baseUrl: Url, apiToken: Type.String(), zoneId: Type.String(), zoneName: Type.String() }),
  npm: Type.Object({ url: Url, email: Type.String(), password: Type.String(), proxyUrl: Url }),
  ispconfig: Type.Object({ url: Url, username: Type.String(), password: Type.String() }),
  ssh: Type.Object({ host: Type.String(), port: Type.Integer(), user: Type.String(), privateKey: Type.String(), hostKeySha256: Type.String() }),
  dns: Endpoint,
  site: Type.Object({ httpPort: Type.Integer({ minimum: 1, maximum: 65_535 }) }),
  control: Type.Object({ url: Url }),
});

export function readSandboxConnection(path: string, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): SandboxConnection {
  let data: unknown;
  try {
    data = JSON.parse(readFile(path));
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `PROVISIOND_SANDBOX: cannot read ${path}: ${(error as Error).message}`, { field: 'PROVISIOND_SANDBOX' });
  }
  const [first] = [...Value.Errors(ConnectionSchema, data)];
  if (first !== undefined) {
    const key = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    throw new AppError('CONFIG_INVALID', `PROVISIOND_SANDBOX: ${path}: ${key}: ${first.message}`, { field: 'PROVISIOND_SANDBOX' });
  }
  return data as SandboxConnection;
}
