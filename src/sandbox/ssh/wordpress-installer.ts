/**
 * The WordPress installer, simulated rather than interpreted. The real script (it carries the
 * marker line below) installs nginx, MariaDB, PHP-FPM and WordPress inside the container; here
 * its steps are announced over the model's installer duration and its results land in the
 * container's files, the web server coming up once wp-config.php exists. The database password
 * is generated here, as the real script generates it inside the container, and never printed.
 * Re-running keeps the existing password (the script is idempotent). With INSTALL_MODE=reinstall
 * the real script's `reset` step runs after `packages`: the document root and the database go,
 * so the site stops answering until the install brings it back with a new password.
 */
import { randomBytes } from 'node:crypto';
import { DOCUMENT_ROOT, WP_CONFIG } from '../sites/wordpress-site.js';
import { readFile, writeFile } from './container-fs.js';
import { isAlive, KILLED, type ContainerProcess } from './exec-io.js';
import { wordpressCore, wpConfig } from './wordpress-files.js';

export const INSTALLER_MARKER = '# provisiond:wordpress-installer';

export function isInstallerScript(script: string): boolean {
  return script.split('\n').some((line) => line.trimEnd() === INSTALLER_MARKER);
}

type Step = readonly [name: string, apply: (proc: ContainerProcess) => void];

const NGINX_SITE = `server {
    listen 80 default_server;
    listen [::]:80 default_server;
    root /var/www/html;
    index index.php index.html;
    server_name _;
    client_max_body_size 64m;

    location / {
        try_files $uri $uri/ /index.php?$args;
    }

    location ~ \\.php$ {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:/run/php/php8.2-fpm.sock;
    }

    location ~ /\\.ht {
        deny all;
    }
}
`;

const STEPS: readonly Step[] = [
  ['locale', (p) => writeFile(p.container, '/etc/default/locale', 'LANG=C.UTF-8\n')],
  ['packages', () => undefined],
  ['nginx', (p) => {
    writeFile(p.container, '/etc/nginx/sites-available/wordpress', NGINX_SITE);
    writeFile(p.container, '/etc/nginx/sites-enabled/wordpress', NGINX_SITE);
    p.container.files.delete('/etc/nginx/sites-enabled/default');
  }],
  ['database', (p) => writeFile(p.container, `/var/lib/mysql/${databaseName(p)}/db.opt`,
    'default-character-set=utf8mb4\ndefault-collation=utf8mb4_unicode_ci\n')],
  ['php-fpm', (p) => writeFile(p.container, '/etc/php/8.2/fpm/conf.d/90-wordpress.ini',
    'upload_max_filesize = 64M\npost_max_size = 64M\nmemory_limit = 256M\n')],
  ['wordpress', (p) => {
    for (const [path, content] of wordpressCore()) writeFile(p.container, path, content);
  }],
  ['wp-config', (p) => {
    const existing = /define\(\s*'DB_PASSWORD',\s*'([^']*)'\s*\)/.exec(readFile(p.container, WP_CONFIG) ?? '')?.[1];
    writeFile(p.container, WP_CONFIG, wpConfig({
      dbName: databaseName(p),
      dbUser: p.env.DB_USER ?? 'wordpress',
      dbPassword: existing ?? randomBytes(24).toString('base64url'),
      siteUrl: p.env.SITE_URL,
    }));
  }],
  ['permissions', () => undefined],
  ['firewall', (p) => writeFile(p.container, '/etc/nftables.conf', FIREWALL)],
];

const FIREWALL = `#!/usr/sbin/nft -f
flush ruleset
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    iif lo accept
    tcp dport { 22, 80 } accept
    icmp type echo-request accept
  }
}
`;

function databaseName(proc: ContainerProcess): string {
  return proc.env.DB_NAME ?? 'wordpress';
}

/** Reinstall: WordPress's files (wp-config.php with them) and the database's directory. */
const RESET: Step = ['reset', (p) => {
  const doomed = [`${DOCUMENT_ROOT}/`, `/var/lib/mysql/${databaseName(p)}/`];
  for (const path of [...p.container.files.keys()]) {
    if (doomed.some((prefix) => path.startsWith(prefix))) p.container.files.delete(path);
  }
  p.io.out(`dropped database ${databaseName(p)} and its user\nemptied ${DOCUMENT_ROOT}\n`);
}];

function stepsFor(mode: string): readonly Step[] {
  if (mode !== 'reinstall') return STEPS;
  const at = STEPS.findIndex(([name]) => name === 'packages') + 1;
  return [...STEPS.slice(0, at), RESET, ...STEPS.slice(at)];
}

export async function runInstaller(proc: ContainerProcess): Promise<number> {
  const mode = proc.env.INSTALL_MODE ?? 'install';
  if (mode !== 'install' && mode !== 'reinstall') {
    // The real script validates its parameters first and dies with these two lines.
    proc.io.err('!! INSTALL_MODE must be install or reinstall\n!! failed at step: parameters\n');
    return 2;
  }
  const steps = stepsFor(mode);
  const stepMs = proc.latency.ms('ssh.installer') / steps.length;
  for (const [name, apply] of steps) {
    proc.io.out(`==> step: ${name}\n`);
    if (stepMs > 0) await new Promise((resolve) => setTimeout(resolve, stepMs));
    // The client hung up (sshd sends SIGHUP down the session) or the CT stopped under us.
    if (proc.io.closed) return 129;
    if (!isAlive(proc)) return KILLED;
    apply(proc);
    proc.world.containerChanged(proc.container.vmid);
  }
  proc.io.out('==> step: done\n');
  return 0;
}
