/**
 * The contract every benchmark of `npm run bench` keeps (bench/run.ts runs them and prints one
 * table). Targets are met here, never in timed unit tests: each figure is printed beside a
 * reference measured in the same run on the same machine, and the ratio between them is what
 * a target speaks of — these machines are shared and noisy, absolute times are not comparable.
 */

export interface BenchOptions {
  /**
   * CI's mode: the smallest configuration that still exercises every code path, so a broken
   * benchmark is caught; its figures are not meant to meet targets.
   */
  readonly quick: boolean;
  /** Progress lines (stderr); the table goes to stdout. */
  readonly log: (line: string) => void;
}

/** One line of the table. */
export interface Figure {
  /** Which of the figures, e.g. "1 time to live". */
  readonly group: string;
  /** What was measured, e.g. "payment → active (provisiond)". */
  readonly name: string;
  readonly value: number;
  /** "model s", "ms", "ops/s", "MiB", … */
  readonly unit: string;
  /** The reference measured in the same run, when the figure has one. */
  readonly reference?: { readonly name: string; readonly value: number };
  /** value / reference.value (or another ratio the target is stated in), when meaningful. */
  readonly ratio?: number;
  /** The target in words and whether this run met it; absent: no target for this line. */
  readonly target?: { readonly text: string; readonly met: boolean };
}

export interface Benchmark {
  /** Short and unique: selects it on the command line (`npm run bench -- durability`). */
  readonly name: string;
  readonly description: string;
  run(options: BenchOptions): Promise<readonly Figure[]>;
}
