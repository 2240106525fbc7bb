/**
 * Reading a `pct exec` exit status. pct's own failures are Perl `die`s with exit 255 before the
 * command ever ran (pve-container PVE/CLI/pct.pm): the CT is not on this node (HA moved it, or
 * it is gone) or it is not running. Those say "the container is not available right now",
 * which is worth retrying after the node has been resolved again. Everything else is the
 * command's own status (lxc-attach execs argv directly).
 */
const NOT_HERE = /Configuration file 'nodes\/[^/]+\/lxc\/\d+\.conf' does not exist/;
const NOT_RUNNING = /container '\d+' not running!/;

export type PctOutcome = 'ok' | 'container-unavailable' | 'command-failed' | 'killed';

export function pctOutcome(code: number, stderr: string): PctOutcome {
  if (code === 0) return 'ok';
  if (code === 255 && (NOT_HERE.test(stderr) || NOT_RUNNING.test(stderr))) return 'container-unavailable';
  // Hang-up, kill, terminate: sshd or the CT stopping ended the process, not the script.
  if (code === 129 || code === 137 || code === 143) return 'killed';
  return 'command-failed';
}
