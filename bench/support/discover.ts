/**
 * Finds the benchmarks: every `bench/<name>.bench.ts` exporting `benchmark`. Shared by the
 * runner and the quick test, so a new benchmark file is picked up by both without a list.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from '../benchmark.js';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Discovered {
  readonly file: string;
  readonly benchmark: Benchmark;
}

function isBenchmark(value: unknown): value is Benchmark {
  const candidate = value as Partial<Benchmark> | null;
  return typeof candidate?.name === 'string' && typeof candidate.description === 'string' && typeof candidate.run === 'function';
}

/** Every benchmark, in file-name order; a file without a valid `benchmark` export is an error. */
export async function discoverBenchmarks(dir: string = BENCH_DIR): Promise<Discovered[]> {
  const files = readdirSync(dir).filter((name) => name.endsWith('.bench.ts')).sort();
  const found: Discovered[] = [];
  for (const file of files) {
    const module = (await import(pathToFileURL(join(dir, file)).href)) as { benchmark?: unknown };
    if (!isBenchmark(module.benchmark)) throw new Error(`${file} does not export \`benchmark: Benchmark\` (bench/benchmark.ts)`);
    found.push({ file, benchmark: module.benchmark });
  }
  const names = found.map(({ benchmark }) => benchmark.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new Error(`two benchmarks are named "${repeated}"`);
  return found;
}

/** The benchmarks named (all when none is); an unknown name is an error, not a silent skip. */
export function selectBenchmarks(all: readonly Discovered[], names: readonly string[]): Discovered[] {
  if (names.length === 0) return [...all];
  const unknown = names.filter((name) => !all.some(({ benchmark }) => benchmark.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}; known: ${all.map(({ benchmark }) => benchmark.name).join(', ')}`);
  }
  return all.filter(({ benchmark }) => names.includes(benchmark.name));
}
