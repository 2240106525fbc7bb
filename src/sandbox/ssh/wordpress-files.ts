/**
 * The files the installer leaves behind: a stand-in for the unpacked WordPress release (the
 * entry points nginx and the verification step look at) and the generated wp-config.php.
 */
import { randomBytes } from 'node:crypto';
import { DOCUMENT_ROOT } from '../sites/wordpress-site.js';

export const WORDPRESS_VERSION = '6.8.1';

const php = (what: string): string => `<?php\n/** ${what} (WordPress ${WORDPRESS_VERSION}, simulated by the provisiond sandbox). */\n`;

export function wordpressCore(): [path: string, content: string][] {
  return [
    ['index.php', php('Front to the WordPress application')],
    ['wp-load.php', php('Bootstrap file for setting the ABSPATH constant and loading wp-config.php')],
    ['wp-settings.php', php('Sets up common variables and includes the WordPress procedural and class library')],
    ['wp-login.php', php('WordPress User Page')],
    ['wp-cron.php', php('A pseudo-cron daemon for scheduling WordPress tasks')],
    ['xmlrpc.php', php('XML-RPC protocol support for WordPress')],
    ['wp-config-sample.php', php('The base configuration for WordPress')],
    ['wp-admin/index.php', php('Dashboard Administration Screen')],
    ['wp-admin/install.php', php('WordPress Installer')],
    ['wp-includes/version.php', `<?php\n$wp_version = '${WORDPRESS_VERSION}';\n`],
    ['wp-content/index.php', '<?php\n// Silence is golden.\n'],
    ['license.txt', 'WordPress - Web publishing software\n\nCopyright 2011-2025 by the contributors\n'],
  ].map(([path, content]) => [`${DOCUMENT_ROOT}/${path}`, content as string]);
}

export interface WpConfigValues {
  readonly dbName: string;
  readonly dbUser: string;
  readonly dbPassword: string;
  /** The public https URL; WP_HOME and WP_SITEURL are pinned to it when given. */
  readonly siteUrl: string | undefined;
}

/** A PHP single-quoted string literal. */
const quoted = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const SALTS = ['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'];

export function wpConfig(values: WpConfigValues): string {
  const define = (name: string, value: string): string => `define( ${quoted(name)}, ${quoted(value)} );\n`;
  const site = values.siteUrl === undefined
    ? ''
    : `${define('WP_HOME', values.siteUrl)}${define('WP_SITEURL', values.siteUrl)}`;
  return `<?php
/** Written by the provisiond WordPress installer. */

${define('DB_NAME', values.dbName)}${define('DB_USER', values.dbUser)}${define('DB_PASSWORD', values.dbPassword)}${define('DB_HOST', 'localhost')}${define('DB_CHARSET', 'utf8mb4')}${define('DB_COLLATE', '')}
${SALTS.map((name) => define(name, randomBytes(48).toString('base64'))).join('')}
$table_prefix = 'wp_';

${site}
/* TLS ends at the reverse proxy. */
if ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https' ) {
	$_SERVER['HTTPS'] = 'on';
}

define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
`;
}
