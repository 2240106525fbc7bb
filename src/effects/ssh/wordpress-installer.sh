#!/usr/bin/env bash
# provisiond:wordpress-installer
#
# Installs nginx + MariaDB + PHP-FPM + WordPress inside a fresh Debian 12 (bookworm) or
# Ubuntu 24.04 (noble) container with systemd. provisiond runs it as root with
#   pct exec <vmid> -- env -i PATH=… SITE_HOST=… SITE_URL=… WORDPRESS_URL=… bash -s
# and this file on stdin. INSTALL_MODE=reinstall (default: install) makes it a fresh install:
# WordPress's files, its database and the database user go first (step `reset`), so the run
# then ends exactly as a first install does, with a new database password and new salts.
#
# Rules this script keeps:
# - Parameters come only from the environment, are validated first, and are never evaluated
#   or spliced into shell code; they only ever reach config files after validation.
# - Every step announces itself (`==> step: NAME`); any failure prints
#   `!! failed at step: NAME` on stderr and exits non-zero. provisiond reads both lines.
# - Safe to run again: each step looks at what is already there. The database password and
#   the salts of an existing wp-config.php are kept; WordPress is not re-extracted once done.
#   A reinstall run again (or cut short and run again) resets again and ends installed.
# - Secrets (the database password) are generated here and written only to wp-config.php;
#   they are never printed and never passed on a command line (ps shows argv).
#
# The marker line above lets provisiond's sandbox recognise (and simulate) this script.

set -Eeuo pipefail
umask 022

CURRENT_STEP=start
WORK_DIR=

step() {
  CURRENT_STEP=$1
  printf '==> step: %s\n' "$1"
}

# Runs on every exit: a non-zero status names the step it stopped in. Using EXIT rather than
# ERR also catches `set -u` failures and our own `die`.
on_exit() {
  local status=$?
  if [ -n "$WORK_DIR" ]; then rm -rf -- "$WORK_DIR"; fi
  if [ "$status" -ne 0 ]; then
    printf '!! failed at step: %s\n' "$CURRENT_STEP" >&2
  fi
  return "$status"
}
trap on_exit EXIT

die() {
  printf '!! %s\n' "$1" >&2
  exit 2
}

warn() {
  printf '!! warning: %s\n' "$1" >&2
}

readonly DOCROOT=/var/www/html
readonly WP_CONFIG=$DOCROOT/wp-config.php
readonly STATE_DIR=/var/lib/provisiond
readonly DB_NAME=wordpress
readonly DB_USER=wordpress
readonly SALT_NAMES=(AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT)

# ---------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------

validate_parameters() {
  step parameters
  local host_re='^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'
  local url_re='^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%+/-]*)?$'
  local id_re='^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'

  SITE_HOST=${SITE_HOST:-}
  SITE_URL=${SITE_URL:-}
  WORDPRESS_URL=${WORDPRESS_URL:-https://wordpress.org/latest.tar.gz}
  PHP_VERSION=${PHP_VERSION:-}
  PROVISIOND_SERVICE_ID=${PROVISIOND_SERVICE_ID:-}
  INSTALL_MODE=${INSTALL_MODE:-install}

  [[ ${#SITE_HOST} -le 253 && $SITE_HOST =~ $host_re && $SITE_HOST =~ [a-z] ]] \
    || die 'SITE_HOST must be a lower-case DNS host name (letters, digits, hyphens, dots)'
  [[ $SITE_URL == "https://$SITE_HOST" ]] || die 'SITE_URL must be https://SITE_HOST'
  [[ $WORDPRESS_URL =~ $url_re ]] || die 'WORDPRESS_URL must be a plain http(s) URL'
  [[ -z $PHP_VERSION || $PHP_VERSION =~ ^[0-9]\.[0-9]{1,2}$ ]] || die 'PHP_VERSION must look like 8.2'
  [[ -z $PROVISIOND_SERVICE_ID || $PROVISIOND_SERVICE_ID =~ $id_re ]] \
    || die 'PROVISIOND_SERVICE_ID must match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}'
  [[ $INSTALL_MODE == install || $INSTALL_MODE == reinstall ]] || die 'INSTALL_MODE must be install or reinstall'
  return 0
}

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

# Hex from the kernel's CSPRNG: od reads exactly N bytes, so no pipe is cut short (pipefail).
random_hex() {
  od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

apt_get() {
  apt-get -q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

is_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = 'install ok installed' ]
}

# `systemctl enable --now`, then a restart so new configuration is read.
service_on() {
  systemctl enable --now "$1"
  systemctl restart "$1"
}

# The value of `define( 'NAME', '…' );` in an existing wp-config.php (we write that format).
config_value() {
  # `q` after the first match: no `head` that could cut the pipe under pipefail.
  sed -n "/^define( *'$1', /{s/^define( *'$1', *'\\([^']*\\)' *);.*\$/\\1/p;q}" "$WP_CONFIG"
}

php_define() {
  printf "define( '%s', '%s' );\n" "$1" "$2"
}

sql() {
  if command -v mariadb >/dev/null 2>&1; then mariadb --protocol=socket -u root; else mysql --protocol=socket -u root; fi
}

start_mariadb() {
  systemctl enable --now mariadb
  local tries=0
  until mariadb-admin --protocol=socket ping >/dev/null 2>&1 || mysqladmin --protocol=socket ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || die 'MariaDB did not start within 60 seconds'
    sleep 1
  done
}

# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------

configure_locale() {
  step locale
  # C.UTF-8 is built into glibc (≥ 2.35 on both targets): no locales package, no locale-gen.
  if [ "$(cat /etc/default/locale 2>/dev/null || true)" != 'LANG=C.UTF-8' ]; then
    printf 'LANG=C.UTF-8\n' >/etc/default/locale
  fi
}

install_packages() {
  step packages
  local wanted=(nginx mariadb-server mariadb-client curl ca-certificates openssl nftables tar gzip)
  local php=(fpm mysql curl gd intl mbstring xml zip bcmath)
  local ext
  for ext in "${php[@]}"; do
    if [ -n "$PHP_VERSION" ]; then wanted+=("php$PHP_VERSION-$ext"); else wanted+=("php-$ext"); fi
  done
  local missing=() package
  for package in "${wanted[@]}"; do is_installed "$package" || missing+=("$package"); done
  if [ "${#missing[@]}" -eq 0 ]; then
    echo 'all packages already installed'
    return 0
  fi
  apt_get update
  # Imagick is optional for WordPress and lives in Ubuntu's universe: install it when the
  # archive has it, never fail because it does not.
  local imagick=php-imagick
  if [ -n "$PHP_VERSION" ]; then imagick=php$PHP_VERSION-imagick; fi
  if apt-cache show "$imagick" >/dev/null 2>&1; then missing+=("$imagick"); fi
  apt_get install --no-install-recommends "${missing[@]}"
}

detect_php() {
  if [ -z "$PHP_VERSION" ]; then
    PHP_VERSION=$(find /etc/php -mindepth 2 -maxdepth 2 -type d -name fpm -printf '%h\n' 2>/dev/null \
      | sed 's|.*/||' | sort -V | tail -n 1 || true)
  fi
  [ -n "$PHP_VERSION" ] && [ -d "/etc/php/$PHP_VERSION/fpm" ] || die 'no PHP-FPM installation found under /etc/php'
  PHP_FPM_SERVICE=php$PHP_VERSION-fpm
  PHP_FPM_SOCKET=/run/php/php$PHP_VERSION-fpm.sock
}

# Reinstall only: what a first install finds is an empty document root and no database, no
# database user, no extraction marker. wp-config.php goes with the files, so the steps after
# this one generate a new password and new salts as they do the first time.
reset_site() {
  step reset
  start_mariadb
  sql <<SQL
DROP DATABASE IF EXISTS \`$DB_NAME\`;
DROP USER IF EXISTS '$DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
  echo "dropped database $DB_NAME and its user"
  rm -f -- "$STATE_DIR/wordpress-extracted"
  # -delete never follows a symlink a site left in its document root; the directory itself stays.
  if [ -d "$DOCROOT" ]; then find "$DOCROOT" -mindepth 1 -delete; fi
  echo "emptied $DOCROOT"
}

setup_database() {
  step database
  start_mariadb

  DB_PASSWORD=
  if [ -f "$WP_CONFIG" ]; then DB_PASSWORD=$(config_value DB_PASSWORD); fi
  if ! [[ $DB_PASSWORD =~ ^[A-Za-z0-9]{16,}$ ]]; then DB_PASSWORD=$(random_hex 24); fi

  # The password goes to the server on stdin, never on a command line. MariaDB ≥ 10.4 (both
  # targets ship 10.11) keeps accounts in mysql.global_priv; mysql.user is a view of it.
  sql <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
DELETE FROM mysql.global_priv WHERE User='';
DELETE FROM mysql.global_priv WHERE User='root' AND Host NOT IN ('localhost','127.0.0.1','::1');
DROP DATABASE IF EXISTS test;
FLUSH PRIVILEGES;
SQL
}

install_wordpress() {
  step wordpress
  local done_marker=$STATE_DIR/wordpress-extracted
  if [ -f "$done_marker" ] && [ -f "$DOCROOT/wp-includes/version.php" ]; then
    # WordPress updates itself from here on; extracting the release again would downgrade it.
    echo "WordPress already installed: $(sed -n "s/^\$wp_version = '\\(.*\\)';/\\1/p" "$DOCROOT/wp-includes/version.php")"
    return 0
  fi
  WORK_DIR=$(mktemp -d)
  curl -fsSL --proto '=https,http' --retry 3 --max-time 300 -o "$WORK_DIR/wordpress.tar.gz" "$WORDPRESS_URL"
  tar -xzf "$WORK_DIR/wordpress.tar.gz" -C "$WORK_DIR" --no-same-owner
  [ -f "$WORK_DIR/wordpress/wp-includes/version.php" ] || die 'the download is not a WordPress release'
  mkdir -p "$DOCROOT" "$STATE_DIR"
  # Debian's and Ubuntu's placeholder pages would shadow index.php.
  rm -f "$DOCROOT/index.html" "$DOCROOT/index.nginx-debian.html"
  cp -a "$WORK_DIR/wordpress/." "$DOCROOT/"
  touch "$done_marker"
  rm -rf -- "$WORK_DIR"
  WORK_DIR=
}

write_wp_config() {
  step wp-config
  [ -f "$DOCROOT/wp-config-sample.php" ] || die 'wp-config-sample.php is missing: WordPress is not extracted'
  local name value
  declare -A salts=()
  for name in "${SALT_NAMES[@]}"; do
    value=
    if [ -f "$WP_CONFIG" ]; then value=$(config_value "$name"); fi
    if ! [[ $value =~ ^[A-Za-z0-9]{32,}$ ]]; then value=$(random_hex 32); fi
    salts[$name]=$value
  done

  local tmp
  tmp=$(mktemp "$DOCROOT/.wp-config.XXXXXX")
  chmod 640 "$tmp"
  {
    printf '<?php\n/** Written by the provisiond WordPress installer%s. */\n\n' \
      "${PROVISIOND_SERVICE_ID:+ (provisiond:$PROVISIOND_SERVICE_ID)}"
    php_define DB_NAME "$DB_NAME"
    php_define DB_USER "$DB_USER"
    php_define DB_PASSWORD "$DB_PASSWORD"
    php_define DB_HOST localhost
    php_define DB_CHARSET utf8mb4
    php_define DB_COLLATE ''
    echo
    for name in "${SALT_NAMES[@]}"; do php_define "$name" "${salts[$name]}"; done
    printf "\n\$table_prefix = 'wp_';\n\n"
    php_define WP_HOME "$SITE_URL"
    php_define WP_SITEURL "$SITE_URL"
    cat <<'PHP'

/* TLS ends at the reverse proxy, which says so in X-Forwarded-Proto. */
if ( isset( $_SERVER['HTTP_X_FORWARDED_PROTO'] ) && $_SERVER['HTTP_X_FORWARDED_PROTO'] === 'https' ) {
	$_SERVER['HTTPS'] = 'on';
}

define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
PHP
  } >"$tmp"
  mv -f -- "$tmp" "$WP_CONFIG"
}

configure_nginx() {
  step nginx
  local listen6=''
  # An LXC container without IPv6 cannot bind [::]:80 and nginx would refuse to start.
  if [ -e /proc/net/if_inet6 ]; then listen6='    listen [::]:80 default_server;'; fi
  local site=/etc/nginx/sites-available/wordpress
  # No try_files in the PHP location: snippets/fastcgi-php.conf (nginx-common, Debian and
  # Ubuntu alike) already has `try_files $fastcgi_script_name =404;`, and a second one is a
  # duplicate directive that fails `nginx -t`.
  cat >"$site.new" <<NGINX
# Written by the provisiond WordPress installer.
server {
    listen 80 default_server;
$listen6
    server_name $SITE_HOST _;
    root $DOCROOT;
    index index.php index.html;
    client_max_body_size 64m;

    location / {
        try_files \$uri \$uri/ /index.php?\$args;
    }

    location ~ \\.php\$ {
        include snippets/fastcgi-php.conf;
        fastcgi_pass unix:$PHP_FPM_SOCKET;
    }

    location ~ /\\.ht {
        deny all;
    }

    location = /wp-config.php {
        deny all;
    }
}
NGINX
  mv -f -- "$site.new" "$site"
  ln -sfn "$site" /etc/nginx/sites-enabled/wordpress
  rm -f /etc/nginx/sites-enabled/default
  nginx -t
  service_on nginx
}

configure_php_fpm() {
  step php-fpm
  printf 'upload_max_filesize = 64M\npost_max_size = 64M\nmemory_limit = 256M\nexpose_php = Off\n' \
    >"/etc/php/$PHP_VERSION/fpm/conf.d/90-wordpress.ini"
  service_on "$PHP_FPM_SERVICE"
}

fix_permissions() {
  step permissions
  chown -R www-data:www-data "$DOCROOT"
  find "$DOCROOT" -type d -exec chmod 755 {} +
  find "$DOCROOT" -type f -exec chmod 644 {} +
  chmod 640 "$WP_CONFIG"
}

configure_firewall() {
  step firewall
  # icmp and icmpv6 are nft's own keywords. The name "ipv6-icmp" would be looked up in
  # /etc/protocols, which minimal images lack (no netbase): the ruleset would then fail to load.
  cat >/etc/nftables.conf.new <<'NFT'
#!/usr/sbin/nft -f
# Written by the provisiond WordPress installer: HTTP from the reverse proxy, SSH, ICMP.
flush ruleset
table inet filter {
  chain input {
    type filter hook input priority 0; policy drop;
    ct state established,related accept
    ct state invalid drop
    iif lo accept
    meta l4proto { icmp, icmpv6 } accept
    tcp dport { 22, 80 } accept
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
  }
  chain output {
    type filter hook output priority 0; policy accept;
  }
}
NFT
  mv -f /etc/nftables.conf.new /etc/nftables.conf
  chmod 755 /etc/nftables.conf
  systemctl enable nftables
  # Some hosts deny netlink to unprivileged containers; the Proxmox firewall still applies
  # there, so a refused ruleset is reported, not fatal.
  systemctl restart nftables || warn 'the nftables ruleset could not be loaded in this container'
}

main() {
  validate_parameters
  if [ "${VALIDATE_ONLY:-}" = 1 ]; then
    echo 'parameters are valid'
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die 'the installer must run as root'
  export DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=a LANG=C.UTF-8 LC_ALL=C.UTF-8
  configure_locale
  install_packages
  detect_php
  if [ "$INSTALL_MODE" = reinstall ]; then reset_site; fi
  setup_database
  install_wordpress
  write_wp_config
  configure_nginx
  configure_php_fpm
  fix_permissions
  configure_firewall
  step done
}

# bash -s reads this script from stdin while running it: main gets /dev/null as stdin so no
# command (apt, dpkg, mariadb without a here-document) can swallow the rest of the script.
main </dev/null
