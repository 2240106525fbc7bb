/**
 * The dashboard's files: `/` (index.html), `/dashboard/<file>` (its ES modules and CSS) and
 * `/dashboard/vendor/<file>` (preact, preact/hooks and htm from node_modules; no CDN, no build).
 * Public (no token): they hold no secret and change nothing; every piece of data the page shows
 * comes from the API, behind the token the user signs in with.
 *
 * Files are read once, into an allow-list keyed by URL name: a request names a key or gets 404,
 * so no path a client sends ever reaches the file system (no traversal, encoded or not).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors.js';
import type { TypedApp } from '../commands.js';

const DASHBOARD_DIR = fileURLToPath(new URL('../dashboard/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** URL name under /dashboard/vendor/ → the package entry the browser imports (see index.html's import map). */
const VENDOR: Readonly<Record<string, string>> = {
  'preact.mjs': 'preact',
  'hooks.mjs': 'preact/hooks',
  'htm.mjs': 'htm',
};

// Our own files change with every release and have no hashed names: revalidate each time (the
// ETag makes that a 304). Vendored files change only when a package is upgraded.
const REVALIDATE = 'no-cache';
const VENDOR_CACHE = 'public, max-age=3600';

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

interface Dashboard {
  readonly index: Asset;
  readonly files: ReadonlyMap<string, Asset>;
  readonly csp: string;
}

function asset(path: string, cacheControl: string): Asset {
  const body = readFileSync(path);
  const type = CONTENT_TYPES[extname(path)] ?? 'application/octet-stream';
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, type, etag, cacheControl };
}

/**
 * The page runs only our modules; its one inline script is the import map, allowed by hash. The
 * token the page holds is worth protecting from injected script, hence no 'unsafe-inline'.
 */
function contentSecurityPolicy(html: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  const hash = importMap === undefined ? '' : ` 'sha256-${createHash('sha256').update(importMap, 'utf8').digest('base64')}'`;
  return [
    "default-src 'self'",
    `script-src 'self'${hash}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

let loaded: Dashboard | undefined;

/** Read once per process: buildApp runs for every test app, the files do not change meanwhile. */
function loadDashboard(): Dashboard {
  if (loaded !== undefined) return loaded;
  const files = new Map<string, Asset>();
  for (const name of readdirSync(DASHBOARD_DIR)) {
    const path = join(DASHBOARD_DIR, name);
    if (CONTENT_TYPES[extname(name)] !== undefined && statSync(path).isFile()) files.set(name, asset(path, REVALIDATE));
  }
  for (const [name, specifier] of Object.entries(VENDOR)) {
    files.set(`vendor/${name}`, asset(fileURLToPath(import.meta.resolve(specifier)), VENDOR_CACHE));
  }
  const index = files.get('index.html');
  if (index === undefined) throw new Error(`the dashboard has no index.html in ${DASHBOARD_DIR}`);
  loaded = { index, files, csp: contentSecurityPolicy(index.body.toString('utf8')) };
  return loaded;
}

function send(request: FastifyRequest, reply: FastifyReply, file: Asset, extraHeaders: Readonly<Record<string, string>> = {}) {
  void reply
    .header('Content-Type', file.type)
    .header('Cache-Control', file.cacheControl)
    .header('ETag', file.etag)
    .header('X-Content-Type-Options', 'nosniff')
    .headers(extraHeaders);
  if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
  return reply.send(file.body);
}

export function registerDashboardRoutes(app: TypedApp): void {
  const dashboard = loadDashboard();
  const pageHeaders = { 'Content-Security-Policy': dashboard.csp, 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY' };
  // Public, and no part of the API the OpenAPI document describes.
  const open = { config: { public: true }, schema: { hide: true } } as const;

  app.get('/', open, async (request, reply) => send(request, reply, dashboard.index, pageHeaders));

  // A wildcard, so that every path under /dashboard/ (dot segments and encoded slashes too) is
  // answered here, publicly, by the allow-list: a 404 for anything it does not name.
  app.get<{ Params: { '*': string } }>('/dashboard/*', open, async (request, reply) => {
    const name = request.params['*'];
    const file = dashboard.files.get(name);
    if (file === undefined) throw new AppError('NOT_FOUND', 'no such dashboard file', { field: 'path' });
    return send(request, reply, file, file === dashboard.index ? pageHeaders : {});
  });
}
