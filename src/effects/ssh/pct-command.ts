/**
 * Command lines for `pct exec`. sshd hands the command to the node's login shell as one string,
 * and pct then execs argv inside the CT without another shell (lxc-attach), so exactly one
 * layer of quoting is needed: every word goes through shell-quote's `quote`, never through
 * string concatenation. Parameters travel as `env` arguments (`KEY=value` words), which no
 * shell ever parses; the script reads them from its environment.
 */
import { quote } from 'shell-quote';
import { AppError } from '../../errors.js';
import { SYSTEM } from './ssh-errors.js';

/**
 * The environment the installer starts with: `env -i` drops whatever `pct exec --keep-env`
 * would carry over from the node's SSH session (its locale, SSH_* variables), so the script
 * runs the same on every node.
 */
const BASE_ENV: Readonly<Record<string, string>> = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
};

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/**
 * A NUL cannot be passed in argv at all: execve ends each word at its first NUL, so the program
 * would silently get a shorter argument than we meant. Refuse instead.
 */
function refuseNul(argv: readonly string[]): void {
  const position = argv.findIndex((word) => word.includes('\0'));
  if (position >= 0) {
    throw new AppError('VALIDATION_FAILED', `argument ${position} of the command contains a NUL byte, which cannot be passed to pct exec`, {
      system: SYSTEM,
      field: `argv[${position}]`,
    });
  }
}

/** `pct exec <vmid> -- <argv…>`, quoted for the node's shell. */
export function pctExec(vmid: number, argv: readonly string[]): string {
  if (!Number.isSafeInteger(vmid) || vmid < 100 || vmid > 999_999_999) {
    throw new AppError('VALIDATION_FAILED', `vmid must be an integer from 100 to 999999999, got ${String(vmid)}`, { system: SYSTEM, field: 'vmid' });
  }
  refuseNul(argv);
  return quote(['pct', 'exec', String(vmid), '--', ...argv]);
}

/** `pct exec <vmid> -- env -i PATH=… KEY=value … <argv…>`. */
export function pctExecWithEnv(vmid: number, env: Readonly<Record<string, string>>, argv: readonly string[]): string {
  // Checked here too, so that the position named is the caller's, not one shifted by the env words.
  refuseNul(argv);
  const words: string[] = [];
  for (const [name, value] of Object.entries({ ...BASE_ENV, ...env })) {
    // A NUL cannot be passed in an environment at all; a bad name would be a bug of ours.
    if (!ENV_NAME.test(name) || value.includes('\0')) {
      throw new AppError('VALIDATION_FAILED', `environment variable ${JSON.stringify(name)} cannot be passed to pct exec`, { system: SYSTEM });
    }
    words.push(`${name}=${value}`);
  }
  return pctExec(vmid, ['env', '-i', ...words, ...argv]);
}
