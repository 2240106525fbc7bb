#!/usr/bin/env bash
# A stand-in for Proxmox's `pct` on the installer test's "node" (test/installer/real-rootfs.test.ts):
# one container, PCT_STANDIN_VMID, made of the rootfs from scripts/installer-rootfs.sh.
#
#   pct start <vmid>            boots the container and stays in the foreground: whoever runs
#                               it owns the container, and killing this process (SIGKILL:
#                               unshare --fork ignores SIGTERM) ends every process in it and
#                               every mount it made
#   pct exec <vmid> -- argv…    runs argv inside it, as lxc-attach does for the real pct
#
# A container here is a set of namespaces, like LXC's, around a chroot:
# - pid: the services the installer starts (nginx, MariaDB, PHP-FPM) outlive each `pct exec`,
#   as in a real container, and all die with the container's init — nothing leaks to the host;
# - net: only `lo`, so nginx's :80 and MariaDB's :3306 never meet the host's ports and the
#   installer's nftables ruleset (policy drop) applies to this namespace only. The test reaches
#   in through Unix sockets (they are not network-namespaced; see the test);
# - mount: an overlay with the cached rootfs as its read-only lower layer (each run starts
#   pristine; the cache is never written), plus /proc, /dev, /run as a container gets them;
# - uts, ipc: its own host name and SysV IPC.
# What the container lacks compared with the real target (systemd) is made up inside the
# rootfs (the systemctl shim), never in the installer.
#
# Environment (set for the SSH session by the test's sshd_config SetEnv):
#   PCT_STANDIN_VMID     the one vmid that exists; any other is "not on this node"
#   PCT_STANDIN_ROOTFS   the cached rootfs (lower layer)
#   PCT_STANDIN_RUN      this run's directory: overlay layers, the mount point, init.pid
#   PCT_STANDIN_APT_PROXY  optional: http://127.0.0.1:PORT written into the container's apt
#                        configuration (the only way out of its namespace is that proxy)
set -euo pipefail

readonly CT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
: "${PCT_STANDIN_VMID:?PCT_STANDIN_VMID is not set}" "${PCT_STANDIN_RUN:?PCT_STANDIN_RUN is not set}"

# pct's own failures are Perl dies with exit status 255 and these messages (pct-result.ts
# reads them): a vmid that is not on this node, a container that is not running.
check_vmid() {
  if [ "$1" != "$PCT_STANDIN_VMID" ]; then
    printf "Configuration file 'nodes/localhost/lxc/%s.conf' does not exist\n" "$1" >&2
    exit 255
  fi
}

# The container's init as the host sees it, once it has entered its root: until then (or once
# it is gone) the container is "not running".
running_init() {
  local pid
  pid=$(cat "$PCT_STANDIN_RUN/init.pid" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && [ -d "/proc/$pid" ] || return 1
  # Another mount namespace and another root than ours: it is the chrooted init, not a reused pid.
  [ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || return 1
  [ "$(stat -L -c %d:%i "/proc/$pid/root/")" != "$(stat -L -c %d:%i /)" ] || return 1
  printf '%s\n' "$pid"
}

cmd_exec() {
  local vmid=${1:-}
  shift || true
  [ "${1:-}" = -- ] && shift
  check_vmid "$vmid"
  [ "$#" -gt 0 ] || { echo 'missing command' >&2; exit 255; }
  local pid
  pid=$(running_init) || { printf "container '%s' not running!\n" "$vmid" >&2; exit 255; }
  # nsenter forks for the pid namespace and passes the command's exit status on. The
  # environment is cleared (pct exec --keep-env 0, PVE 9's default) so the host's never leaks
  # in; the installer sets its own with env -i in any case.
  exec nsenter --target "$pid" --mount --uts --ipc --net --pid --root --wd -- \
    /usr/bin/env -i PATH="$CT_PATH" HOME=/root LANG=C.UTF-8 TERM=dumb "$@"
}

cmd_start() {
  local vmid=${1:-}
  check_vmid "$vmid"
  : "${PCT_STANDIN_ROOTFS:?PCT_STANDIN_ROOTFS is not set}"
  [ -d "$PCT_STANDIN_ROOTFS/etc" ] || { echo "no rootfs at $PCT_STANDIN_ROOTFS" >&2; exit 255; }
  if running_init >/dev/null; then printf "container '%s' already running\n" "$vmid" >&2; exit 255; fi
  mkdir -p "$PCT_STANDIN_RUN/upper" "$PCT_STANDIN_RUN/work" "$PCT_STANDIN_RUN/root"
  rm -f "$PCT_STANDIN_RUN/init.pid"
  # --kill-child: when unshare ends, the container's init gets SIGKILL, and with it every process
  # of its pid namespace; the mount namespace (overlay and all) goes when they are gone.
  exec unshare --fork --pid --kill-child --mount --propagation private --net --uts --ipc -- \
    bash "$(readlink -f "$0")" __init "$vmid"
}

# Runs as pid 1 of the new namespaces, still seeing the host's filesystem.
cmd_init() {
  local vmid=$1 run=$PCT_STANDIN_RUN root=$PCT_STANDIN_RUN/root
  mount -t overlay overlay -o "lowerdir=$PCT_STANDIN_ROOTFS,upperdir=$run/upper,workdir=$run/work" "$root"
  mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
  mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
  mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run"
  # /dev as LXC makes it: a tmpfs with the few device nodes programs need, not the host's /dev.
  mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
  local spec name
  for spec in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r name major minor <<<"$spec"
    mknod -m 666 "$root/dev/$name" c "$major" "$minor"
  done
  mkdir -m 755 "$root/dev/pts"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts"
  ln -s pts/ptmx "$root/dev/ptmx"
  mkdir -m 1777 "$root/dev/shm"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"

  ip link set lo up
  hostname "ct$vmid"
  if [ -n "${PCT_STANDIN_APT_PROXY:-}" ]; then
    printf 'Acquire::http::Proxy "%s";\nAcquire::https::Proxy "%s";\n' "$PCT_STANDIN_APT_PROXY" "$PCT_STANDIN_APT_PROXY" \
      >"$root/etc/apt/apt.conf.d/01pct-standin-proxy"
  fi

  # Our pid as the host sees it: /proc is still the host's here, and `read` is a builtin, so
  # /proc/self is this shell. exec keeps the pid; running_init waits until the chroot is entered.
  local host_pid _
  read -r host_pid _ </proc/self/stat
  printf '%s\n' "$host_pid" >"$run/init.pid"
  # The init: says "started" once inside its root (the test waits for that line) and reaps
  # the daemons that the init scripts leave to it.
  exec chroot "$root" /usr/bin/env -i PATH="$CT_PATH" /bin/bash -c \
    "echo 'pct-standin: CT $vmid started'; trap 'exit 0' TERM; while :; do sleep 3600 & wait \$! || true; done"
}

case ${1:-} in
  exec) shift; cmd_exec "$@" ;;
  start) shift; cmd_start "$@" ;;
  __init) shift; cmd_init "$@" ;;
  *) printf 'pct (test stand-in): only "start" and "exec" are supported, got "%s"\n' "${1:-}" >&2; exit 255 ;;
esac
