/**
 * One run of the WordPress installer over `pct exec … bash -s`: the parameters in its
 * environment (never on a command line a shell parses), the script on stdin, every output
 * line to the caller as it arrives, and the exit read into the error taxonomy. A first
 * install and a reinstall differ only in INSTALL_MODE; the script does the rest.
 */
import { AppError } from '../../errors.js';
import { InstallerProgress } from './installer-script.js';
import { pctExecWithEnv } from './pct-command.js';
import { pctOutcome } from './pct-result.js';
import type { SshClient } from './ssh-client.js';
import { lastLine, SYSTEM } from './ssh-errors.js';

export type InstallMode = 'install' | 'reinstall';

export interface InstallerRun {
  readonly client: SshClient;
  readonly node: string;
  readonly vmid: number;
  readonly serviceId: string;
  /** The site's host name, already checked (site-host.ts). */
  readonly host: string;
  readonly mode: InstallMode;
  readonly script: string;
  readonly wordpressUrl: string;
  readonly phpVersion?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly onOutput?: (serviceId: string, line: string) => void;
}

const LABEL: Readonly<Record<InstallMode, string>> = { install: 'WordPress installer', reinstall: 'WordPress reinstall' };

/** pct could not run anything in the CT: not on this node (HA moved it) or not running. */
export function containerNotAvailable(vmid: number, node: string, stderr: string): AppError {
  return new AppError('NOT_READY', `CT ${vmid} is not available on node "${node}": ${lastLine(stderr)}`, { system: SYSTEM, retryable: true });
}

export async function runInstaller(run: InstallerRun): Promise<void> {
  const label = LABEL[run.mode];
  const env: Record<string, string> = {
    SITE_HOST: run.host,
    SITE_URL: `https://${run.host}`,
    WORDPRESS_URL: run.wordpressUrl,
    PROVISIOND_SERVICE_ID: run.serviceId,
    INSTALL_MODE: run.mode,
    ...(run.phpVersion === undefined ? {} : { PHP_VERSION: run.phpVersion }),
  };
  const progress = new InstallerProgress();
  const result = await run.client.exec({
    node: run.node, signal: run.signal, timeoutMs: run.timeoutMs, what: `the ${label} in CT ${run.vmid}`,
    command: pctExecWithEnv(run.vmid, env, ['bash', '-s']),
    stdin: run.script,
    onLine: (line) => {
      progress.read(line);
      try {
        run.onOutput?.(run.serviceId, line);
      } catch {
        // A failing log sink must not fail the install.
      }
    },
  });
  const outcome = pctOutcome(result.code, result.stderr);
  if (outcome === 'ok') return;
  if (outcome === 'container-unavailable' && progress.lastStep === undefined) throw containerNotAvailable(run.vmid, run.node, result.stderr);
  if (outcome === 'killed' && progress.failedStep === undefined) {
    throw new AppError('UPSTREAM_UNAVAILABLE', `the ${label} in CT ${run.vmid} was killed (exit ${result.code}) during step ${progress.lastStep ?? 'start'}`, {
      system: SYSTEM, retryable: true, details: { step: progress.lastStep ?? null, exitCode: result.code },
    });
  }
  const step = progress.failedStep ?? progress.lastStep ?? 'unknown';
  const reason = lastLine(result.stderr.split('\n').filter((line) => !line.startsWith('!! failed at step:')).join('\n'));
  throw new AppError('INSTALL_FAILED', `${label} failed at step ${step} (exit ${result.code})${reason === '' ? '' : `: ${reason}`}`, {
    system: SYSTEM, retryable: false, details: { step, exitCode: result.code },
  });
}
