/**
 * The machine a run happened on. Figures from these shared, noisy machines mean little
 * without it: the load average at start and end says whether something else was running.
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15 minute load averages. */
  readonly load: readonly [number, number, number];
}

const GiB = 1024 ** 3;

export function describeMachine(): MachineInfo {
  const list = cpus();
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / GiB,
    freeMemoryGiB: freemem() / GiB,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    load: [one, five, fifteen],
  };
}

export const formatLoad = (load: readonly number[]): string => load.map((value) => value.toFixed(2)).join(' / ');
