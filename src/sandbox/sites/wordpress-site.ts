/**
 * What nginx + PHP-FPM + a freshly unpacked WordPress answer inside a container, as a pure
 * function of the container's files. The installer configures WordPress but does not run its
 * web setup (the customer does, at /wp-admin/install.php), so WordPress is "not installed":
 * every PHP entry point redirects to the setup page (`wp_not_installed()` in wp-load), the
 * setup page itself answers 200, and nginx answers 404 for PHP files that do not exist.
 * The SSH simulator's `curl` and the site servers both answer from here.
 */
import type { WorldContainer } from '../core/world.js';
import { installPage, nginxError, NGINX_VERSION } from './wordpress-pages.js';

export const DOCUMENT_ROOT = '/var/www/html';
export const WP_CONFIG = `${DOCUMENT_ROOT}/wp-config.php`;

export interface SiteRequest {
  readonly method: string;
  /** Path and query, as in the request line. */
  readonly target: string;
  /** The Host header (nginx and WordPress build absolute URLs from it). */
  readonly host: string;
  readonly https?: boolean;
}

export interface SiteResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A container's web server is up when it runs and WordPress has been configured in it. */
export function siteIsUp(container: WorldContainer): boolean {
  return container.status === 'running' && container.files.has(WP_CONFIG);
}

/** WordPress's nocache_headers(), sent by wp_not_installed() and by install.php. */
const NO_CACHE = {
  expires: 'Wed, 11 Jan 1984 05:00:00 GMT',
  'cache-control': 'no-cache, must-revalidate, max-age=0, no-store, private',
};

export function respond(container: WorldContainer, request: SiteRequest): SiteResponse {
  const path = decodePath(request.target.split('?')[0] ?? '/');
  const origin = `${request.https === true ? 'https' : 'http'}://${request.host}`;
  // nginx: `location ~ \.php$ { try_files $uri =404; … }`
  if (path.endsWith('.php')) return php(container, path, origin);
  // nginx: `location / { try_files $uri $uri/ /index.php?$args; }` with `index index.php`
  if (path.endsWith('/') && container.files.has(`${DOCUMENT_ROOT}${path}index.php`)) return php(container, `${path}index.php`, origin);
  const onDisk = path.endsWith('/') ? undefined : container.files.get(`${DOCUMENT_ROOT}${path}`);
  if (onDisk !== undefined) return html(200, { 'content-type': contentType(path) }, onDisk);
  if (!path.endsWith('/') && isDirectory(container, path)) return nginxResponse(301, { location: `${origin}${path}/` });
  return php(container, '/index.php', origin);
}

function php(container: WorldContainer, file: string, origin: string): SiteResponse {
  if (!container.files.has(`${DOCUMENT_ROOT}${file}`)) return nginxResponse(404);
  if (file === '/wp-admin/install.php') {
    return html(200, { ...NO_CACHE, 'content-type': 'text/html; charset=utf-8' }, installPage());
  }
  return notInstalledRedirect(container, origin);
}

/** wp_not_installed(): `wp_redirect( wp_guess_url() . '/wp-admin/install.php' )`. */
function notInstalledRedirect(container: WorldContainer, requestOrigin: string): SiteResponse {
  const siteUrl = configuredSiteUrl(container) ?? requestOrigin;
  return html(302, {
    ...NO_CACHE,
    'content-type': 'text/html; charset=UTF-8',
    'x-redirect-by': 'WordPress',
    location: `${siteUrl.replace(/\/+$/, '')}/wp-admin/install.php`,
  }, '');
}

/** WP_SITEURL from wp-config.php, which wp_guess_url() prefers over the request's host. */
export function configuredSiteUrl(container: WorldContainer): string | undefined {
  const config = container.files.get(WP_CONFIG) ?? '';
  return /define\(\s*'WP_SITEURL'\s*,\s*'((?:[^'\\]|\\.)*)'\s*\)/.exec(config)?.[1]?.replace(/\\(.)/g, '$1');
}

function nginxResponse(status: 301 | 404, headers: Record<string, string> = {}): SiteResponse {
  return html(status, { 'content-type': 'text/html', ...headers }, nginxError(status));
}

function html(status: number, headers: Record<string, string>, body: string): SiteResponse {
  return { status, headers: { server: NGINX_VERSION, ...headers }, body };
}

function isDirectory(container: WorldContainer, path: string): boolean {
  const prefix = `${DOCUMENT_ROOT}${path}/`;
  for (const key of container.files.keys()) if (key.startsWith(prefix)) return true;
  return false;
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw) || '/';
  } catch {
    return raw;
  }
}

function contentType(file: string): string {
  const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  const types: Record<string, string> = {
    html: 'text/html', txt: 'text/plain', css: 'text/css', js: 'application/javascript', json: 'application/json',
    png: 'image/png', svg: 'image/svg+xml', xml: 'text/xml',
  };
  return types[ext] ?? 'application/octet-stream';
}
