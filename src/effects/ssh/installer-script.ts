/**
 * The WordPress installer shipped next to this module (`wordpress-installer.sh`, a real bash
 * script), and the protocol it speaks on its output: `==> step: NAME` before each step,
 * `!! failed at step: NAME` on stderr before a non-zero exit.
 */
import { readFileSync } from 'node:fs';

export const INSTALLER_MARKER = '# provisiond:wordpress-installer';
export const INSTALLER_PATH = new URL('./wordpress-installer.sh', import.meta.url);

const STEP = /^==> step: (\S+)/;
const FAILED = /^!! failed at step: (\S+)/;

export function loadInstallerScript(path: URL = INSTALLER_PATH): string {
  const script = readFileSync(path, 'utf8');
  if (!hasMarker(script)) throw new Error(`${path.pathname} lacks the line "${INSTALLER_MARKER}"`);
  return script;
}

export function hasMarker(script: string): boolean {
  return script.split('\n').some((line) => line.trimEnd() === INSTALLER_MARKER);
}

/** Follows the installer's output: the step it is in and the step it said it failed at. */
export class InstallerProgress {
  lastStep: string | undefined;
  failedStep: string | undefined;

  read(line: string): void {
    const failed = FAILED.exec(line)?.[1];
    if (failed !== undefined) this.failedStep = failed;
    const started = STEP.exec(line)?.[1];
    if (started !== undefined) this.lastStep = started;
  }

  get finished(): boolean {
    return this.lastStep === 'done';
  }
}
