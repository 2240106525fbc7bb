/**
 * The effects that run inside a site's container: wait until it answers, install WordPress
 * (or reinstall it from scratch, an operator command), verify the install. Each is one attempt
 * (the machine polls and retries); each resolves the CT's node first, since HA may have moved
 * it. Nothing here creates a resource outside the container Proxmox already proved is ours,
 * and every command is safe to run again.
 */
import { AppError } from '../../errors.js';
import { containerNotAvailable, runInstaller, type InstallMode } from './installer-run.js';
import { loadInstallerScript } from './installer-script.js';
import { pctExec } from './pct-command.js';
import { pctOutcome } from './pct-result.js';
import { SERVICE_ID, siteHost } from './site-host.js';
import type { SshClient } from './ssh-client.js';
import { lastLine, SYSTEM } from './ssh-errors.js';

export interface SshContainerRef {
  readonly serviceId: string;
  readonly vmid: number;
}
export interface SshSiteRef extends SshContainerRef {
  readonly fqdn: string;
}

export interface SshEffectsDeps {
  readonly client: SshClient;
  /** The node that hosts the CT now (the composition root asks Proxmox). */
  resolveNode(serviceId: string, vmid: number, signal: AbortSignal): Promise<string>;
  /** Each line the installer prints, as it prints it (to the service's log and feed). */
  onOutput?(serviceId: string, line: string): void;
  /** Default https://wordpress.org/latest.tar.gz. */
  readonly wordpressUrl?: string;
  /** e.g. '8.3' to install versioned packages; default: the distribution's PHP. */
  readonly phpVersion?: string;
  /** The installer's text; default: wordpress-installer.sh next to this module. */
  readonly installerScript?: string;
  readonly timeouts?: {
    /** `echo ready`; default 15 s. */
    readonly readyMs?: number;
    /** The whole installer; default 15 min (apt on a slow mirror). */
    readonly installMs?: number;
    /** Each verification command; default 30 s. */
    readonly verifyMs?: number;
  };
}

const DOCROOT = '/var/www/html';

export function createSshEffects(deps: SshEffectsDeps) {
  const script = deps.installerScript ?? loadInstallerScript();
  const wordpressUrl = deps.wordpressUrl ?? 'https://wordpress.org/latest.tar.gz';
  const readyMs = deps.timeouts?.readyMs ?? 15_000;
  const installMs = deps.timeouts?.installMs ?? 15 * 60_000;
  const verifyMs = deps.timeouts?.verifyMs ?? 30_000;

  const nodeOf = async (serviceId: string, vmid: number, signal: AbortSignal): Promise<string> => {
    try {
      return await deps.resolveNode(serviceId, vmid, signal);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('UPSTREAM_UNAVAILABLE', `cannot tell which node hosts CT ${vmid}`, { system: SYSTEM, retryable: true, cause: error });
    }
  };

  const install = async (input: SshSiteRef, mode: InstallMode, signal: AbortSignal): Promise<void> => {
    const host = siteHost(input.fqdn);
    if (host === undefined || !SERVICE_ID.test(input.serviceId)) {
      const field = host === undefined ? 'fqdn' : 'serviceId';
      throw new AppError('INSTALL_FAILED', `WordPress installer refused its parameters (step parameters): ${field} is not valid`, {
        system: SYSTEM, retryable: false, field, details: { step: 'parameters' },
      });
    }
    const node = await nodeOf(input.serviceId, input.vmid, signal);
    await runInstaller({
      client: deps.client, node, vmid: input.vmid, serviceId: input.serviceId, host, mode, script, wordpressUrl,
      ...(deps.phpVersion === undefined ? {} : { phpVersion: deps.phpVersion }),
      timeoutMs: installMs, signal,
      onOutput: (serviceId, line) => deps.onOutput?.(serviceId, line),
    });
  };

  return {
    /** `pct exec <vmid> -- echo ready` must print `ready`. */
    async awaitReady(input: SshContainerRef, signal: AbortSignal): Promise<void> {
      const node = await nodeOf(input.serviceId, input.vmid, signal);
      const result = await deps.client.exec({
        node, signal, timeoutMs: readyMs, what: `the readiness probe of CT ${input.vmid}`,
        command: pctExec(input.vmid, ['echo', 'ready']),
      });
      if (result.code === 0 && result.stdout.trim() === 'ready') return;
      const why = lastLine(result.stderr) || (result.code === 0 ? `unexpected answer ${JSON.stringify(lastLine(result.stdout, 80))}` : `exit status ${result.code}`);
      throw new AppError('NOT_READY', `CT ${input.vmid} on node "${node}" does not answer yet: ${why}`, {
        system: SYSTEM, retryable: true, details: { exitCode: result.code },
      });
    },

    /** Runs the installer (stdin) with the site's parameters in its environment. */
    installWordPress: (input: SshSiteRef, signal: AbortSignal): Promise<void> => install(input, 'install', signal),

    /**
     * A fresh WordPress: the installer's reinstall mode removes WordPress's files, drops the
     * database and its user, then installs as the first time (new database password, new
     * salts). Safe to repeat: a second run resets and installs again, and ends installed.
     */
    reinstallWordPress: (input: SshSiteRef, signal: AbortSignal): Promise<void> => install(input, 'reinstall', signal),

    /**
     * wp-config.php exists and WordPress answers /wp-admin/install.php with 200 inside the CT.
     * A missing wp-config.php is permanent (the installer claimed success; asking again will
     * not change that). A site that does not answer yet is retryable: nginx and PHP-FPM may
     * still be starting, and the machine gives it a few tries before compensating.
     */
    async verifyInstall(input: SshSiteRef, signal: AbortSignal): Promise<void> {
      const host = siteHost(input.fqdn);
      if (host === undefined) {
        throw new AppError('VERIFY_FAILED', 'cannot verify the install: fqdn is not a valid host name', { system: SYSTEM, retryable: false, field: 'fqdn' });
      }
      const node = await nodeOf(input.serviceId, input.vmid, signal);
      const run = (argv: string[], what: string) =>
        deps.client.exec({ node, signal, timeoutMs: verifyMs, what: `${what} in CT ${input.vmid}`, command: pctExec(input.vmid, argv) });

      const config = await run(['test', '-f', `${DOCROOT}/wp-config.php`], 'the wp-config.php check');
      const configOutcome = pctOutcome(config.code, config.stderr);
      if (configOutcome === 'container-unavailable' || configOutcome === 'killed') throw containerNotAvailable(input.vmid, node, config.stderr);
      if (configOutcome !== 'ok') {
        throw new AppError('VERIFY_FAILED', `CT ${input.vmid} has no ${DOCROOT}/wp-config.php`, { system: SYSTEM, retryable: false });
      }

      const page = await run(
        ['curl', '-fsS', '--max-time', '20', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host}`, 'http://127.0.0.1/wp-admin/install.php'],
        'the WordPress probe',
      );
      const status = page.stdout.trim();
      if (page.code === 0 && status === '200') return;
      if (pctOutcome(page.code, page.stderr) === 'container-unavailable') throw containerNotAvailable(input.vmid, node, page.stderr);
      const why = lastLine(page.stderr) || `HTTP ${status === '' ? 'no answer' : status}`;
      throw new AppError('VERIFY_FAILED', `WordPress in CT ${input.vmid} does not answer /wp-admin/install.php with 200: ${why}`, {
        system: SYSTEM, retryable: true, details: { httpStatus: status === '' ? null : status, exitCode: page.code },
      });
    },
  };
}

export type SshEffects = ReturnType<typeof createSshEffects>;
