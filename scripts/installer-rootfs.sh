#!/usr/bin/env bash
# Builds (once) what test/installer/real-rootfs.test.ts runs the real WordPress installer in:
#   <cache>/<key>/rootfs             Debian bookworm, debootstrap --variant=minbase, plus the
#                                    stand-in's `systemctl` (there is no init system in it)
#   <cache>/<key>/wordpress.tar.gz   WordPress laid out like upstream's latest.tar.gz, made
#                                    from Debian's `wordpress` package (the only network we
#                                    reach is Debian's mirror)
# and prints <cache>/<key> on stdout (progress goes to stderr).
#
# The cache is .cache/installer-rootfs/ (git-ignored). The key hashes this script, the mirror
# and the architecture, so a changed script builds anew; older builds are removed then. A
# build happens in <key>.tmp and is renamed when complete, under a lock: an interrupted or
# concurrent build never leaves a half-made rootfs behind a valid key.
#
# The rootfs is used read-only, as the lower layer of an overlay (scripts/pct-standin.sh):
# every test run starts from this pristine state and the installer installs nginx, MariaDB and
# PHP itself with apt — that is part of what the test proves, so none of them is included here.
#
# Needs root, debootstrap, dpkg-deb, and the host's apt able to reach its Debian mirror.
set -euo pipefail

readonly SUITE=bookworm
readonly SELF=$(readlink -f "$0")
readonly REPO=$(cd "$(dirname "$SELF")/.." && pwd)
readonly CACHE=${INSTALLER_ROOTFS_CACHE:-$REPO/.cache/installer-rootfs}

log() { printf 'installer-rootfs: %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || fail 'must run as root (debootstrap, chroot ownership)'
command -v debootstrap >/dev/null || fail 'debootstrap is not installed (apt-get install debootstrap)'
command -v dpkg-deb >/dev/null || fail 'dpkg-deb is not installed'

# The URIs of the host's own Debian sources, one-line and deb822 formats: the rootfs uses the
# same mirror, which is the one this machine can reach. Read into a variable first so no pipe
# is cut short under pipefail.
host_uris() {
  local lists
  lists=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  sed -n -e 's/^[[:space:]]*deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]\{1,\}\).*/\2/p' \
    -e 's/^URIs:[[:space:]]*//p' <<<"$lists" | tr ' ' '\n' | sed '/^$/d'
}
uris=$(host_uris)
first_uri() { awk -v re="$1" '$0 ~ re { sub(/\/$/, ""); print; exit }' <<<"$uris"; }
MIRROR=${INSTALLER_ROOTFS_MIRROR:-$(first_uri '/debian/?$')}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=${INSTALLER_ROOTFS_SECURITY:-$(first_uri '/debian-security/?$')}
SECURITY=${SECURITY:-http://deb.debian.org/debian-security}
ARCH=$(dpkg --print-architecture)

KEY=$( { sha256sum "$SELF"; printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY" "$ARCH"; } | sha256sum | cut -c1-16)
readonly OUT=$CACHE/$KEY

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ -f "$OUT/complete" ]; then
  log "cached: $OUT"
  printf '%s\n' "$OUT"
  exit 0
fi

TMP=$OUT.tmp
rm -rf -- "$TMP"
mkdir -p "$TMP"
started=$SECONDS

# ---------------------------------------------------------------------------------------------
# The root filesystem
# ---------------------------------------------------------------------------------------------
# minbase: essential packages and apt. ca-certificates and curl are what a Proxmox or Ubuntu
# container template already has; everything else is the installer's job.
log "debootstrap $SUITE from $MIRROR (about 30 s)"
debootstrap --variant=minbase --include=ca-certificates,curl "$SUITE" "$TMP/rootfs" "$MIRROR" >"$TMP/debootstrap.log" 2>&1 \
  || { tail -n 20 "$TMP/debootstrap.log" >&2; fail "debootstrap failed (full log: $TMP/debootstrap.log)"; }
ROOT=$TMP/rootfs

# Like a container template: the release, its updates and its security archive.
cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
rm -f "$ROOT/var/cache/apt/archives/"*.deb
printf 'ct100\n' >"$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tct100\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$ROOT/etc/hosts"

# No policy-rc.d: maintainer scripts may start the services they install (invoke-rc.d runs
# the init scripts, as systemd would on the real target); the container is isolated in its own
# network namespace, so a started nginx or MariaDB touches nothing outside it.

# The real target runs systemd; this rootfs has no init system. This shim does what the
# installer asks of systemctl with each service's SysV init script (Debian's nginx, mariadb and
# php8.2-fpm packages ship one), and loads the nftables ruleset the way nftables.service does.
# It lives in /usr/local/sbin, which comes first in the installer's PATH, so a systemd package
# pulled in as a dependency does not replace it. This is the stand-in's difference, never the
# installer's: the installer calls systemctl exactly as on the target.
install -d "$ROOT/usr/local/sbin"
cat >"$ROOT/usr/local/sbin/systemctl" <<'SHIM'
#!/bin/bash
# systemctl for the installer test's container, which has no init system (see
# scripts/installer-rootfs.sh). enable/disable only record nothing; --now, start, restart and
# stop run the unit's /etc/init.d script; nftables loads /etc/nftables.conf.
set -euo pipefail

now=0 verb= units=()
for arg in "$@"; do
  case $arg in
    --now) now=1 ;;
    -*) ;; # --quiet, --no-block, --system, …: nothing to do without systemd
    *) if [ -z "$verb" ]; then verb=$arg; else units+=("${arg%.service}"); fi ;;
  esac
done

# Runs ACTION (start, stop, restart, status) for one unit.
act() {
  local action=$1 unit=$2
  if [ "$unit" = nftables ]; then
    case $action in
      start | restart) nft -f /etc/nftables.conf ;;
      stop) nft flush ruleset ;;
      status) nft list ruleset >/dev/null ;;
    esac
    return
  fi
  if [ ! -x "/etc/init.d/$unit" ]; then
    printf 'Failed to %s %s.service: Unit %s.service not found.\n' "$action" "$unit" "$unit" >&2
    return 5
  fi
  "/etc/init.d/$unit" "$action"
}

status=0
case $verb in
  daemon-reload | daemon-reexec | mask | unmask | preset | is-enabled) ;;
  enable) if [ "$now" = 1 ]; then for u in "${units[@]}"; do act start "$u" || status=$?; done; fi ;;
  disable) if [ "$now" = 1 ]; then for u in "${units[@]}"; do act stop "$u" || status=$?; done; fi ;;
  start | stop | restart | status) for u in "${units[@]}"; do act "$verb" "$u" || status=$?; done ;;
  reload | try-restart | reload-or-restart | try-reload-or-restart) for u in "${units[@]}"; do act restart "$u" || status=$?; done ;;
  is-active) for u in "${units[@]}"; do act status "$u" >/dev/null 2>&1 || status=3; done ;;
  *) printf 'systemctl (test stand-in): %s is not supported\n' "${verb:-no command}" >&2; status=1 ;;
esac
exit "$status"
SHIM
chmod 755 "$ROOT/usr/local/sbin/systemctl"

# ---------------------------------------------------------------------------------------------
# The WordPress release
# ---------------------------------------------------------------------------------------------
# Debian's package splits WordPress: core in /usr/share/wordpress, with a few files replaced by
# symlinks into other packages (getID3, underscore, cropper) and the default theme in its own
# package; wp-config.php is a Debian dispatcher to /etc/wordpress. Upstream's tarball is one
# self-contained wordpress/ directory with wp-config-sample.php and no wp-config.php, which is
# what the installer expects. So: unpack the five packages into one tree, drop Debian's
# wp-config.php and .htaccess, resolve the symlinks, and tar the result as wordpress/…
log 'WordPress tarball from Debian packages'
DEBS=$TMP/debs
mkdir -p "$DEBS/tree"
packages=(wordpress wordpress-theme-twentytwentythree php-getid3 libjs-underscore libjs-cropper)
# apt-get download writes to the working directory; its sandbox user cannot write there.
if ! (cd "$DEBS" && apt-get -q -o APT::Sandbox::User=root download "${packages[@]}" >&2); then
  log 'apt-get download failed; refreshing the host package lists once'
  apt-get -q update >&2
  (cd "$DEBS" && apt-get -q -o APT::Sandbox::User=root download "${packages[@]}" >&2)
fi
for deb in "$DEBS"/*.deb; do dpkg-deb -x "$deb" "$DEBS/tree"; done
WP=$DEBS/tree/usr/share/wordpress
rm -f "$WP/wp-config.php" "$WP/.htaccess"
# Upstream ships its own CA bundle; Debian points it at the system's.
if [ -L "$WP/wp-includes/certificates/ca-bundle.crt" ]; then
  rm -f "$WP/wp-includes/certificates/ca-bundle.crt"
  cp "$ROOT/etc/ssl/certs/ca-certificates.crt" "$WP/wp-includes/certificates/ca-bundle.crt"
fi
# wp-content/index.php ("Silence is golden") lives in /var/lib/wordpress in Debian.
cp -n "$DEBS/tree/var/lib/wordpress/wp-content/index.php" "$WP/wp-content/index.php"
[ -f "$WP/wp-config-sample.php" ] || fail 'the wordpress package has no wp-config-sample.php'
[ -f "$WP/wp-admin/install.php" ] && [ -f "$WP/wp-includes/version.php" ] || fail 'the wordpress package lacks core files'
mkdir -p "$DEBS/release"
# -L copies the files the remaining (relative, in-tree) symlinks point to.
cp -rL "$WP" "$DEBS/release/wordpress"
[ -z "$(find "$DEBS/release/wordpress" -type l -print -quit)" ] || fail 'unresolved symlinks in the WordPress tree'
tar -czf "$TMP/wordpress.tar.gz" -C "$DEBS/release" --owner=0 --group=0 --numeric-owner wordpress
rm -rf -- "$DEBS"

touch "$TMP/complete"
# Only the current build is kept: the others were made by an older version of this script.
find "$CACHE" -mindepth 1 -maxdepth 1 -type d ! -name "$KEY.tmp" -exec rm -rf -- {} +
mv -- "$TMP" "$OUT"
log "built $OUT in $((SECONDS - started)) s"
printf '%s\n' "$OUT"
