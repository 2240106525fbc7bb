/**
 * What a simulated process sees: its output streams, its stdin, and the container it runs in.
 * The SSH channel implements `ExecIo`; commands never touch ssh2 themselves.
 */
import type { Latency } from '../core/timing.js';
import type { World, WorldContainer } from '../core/world.js';

export interface ExecIo {
  out(text: string): void;
  err(text: string): void;
  /**
   * Everything the client sent on stdin, once it has closed it. The first reader consumes it
   * (a nested `bash -s` inside a script gets what is left: nothing).
   */
  readStdin(): Promise<string>;
  /** True once the channel is gone; long simulations stop early. */
  readonly closed: boolean;
}

/** A process inside a container, as `lxc-attach` starts it. */
export interface ContainerProcess {
  readonly world: World;
  readonly latency: Latency;
  readonly container: WorldContainer;
  readonly io: ExecIo;
  readonly env: Readonly<Record<string, string>>;
}

/** `lxc-attach` reports a process killed by SIGKILL (the container stopped under it) as 128 + 9. */
export const KILLED = 137;

/** The environment `pct exec` leaves a root process with (it keeps the caller's by default). */
export const ROOT_ENV: Readonly<Record<string, string>> = {
  HOME: '/root',
  USER: 'root',
  LOGNAME: 'root',
  SHELL: '/bin/bash',
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LANG: 'C.UTF-8',
};

export function isAlive(proc: ContainerProcess): boolean {
  const current = proc.world.containers.get(proc.container.vmid);
  return current === proc.container && current.status === 'running';
}

/** A table lookup that never finds `constructor`, `toString` and other inherited names. */
export function lookup<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
