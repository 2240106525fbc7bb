/**
 * `npm run bench [-- --quick] [-- <names…>] [--json]`: runs the benchmarks one after another
 * (never in parallel: each one measures), then prints one table and the machine it ran on.
 * Exit status 1 when a benchmark throws; a missed target is a reading, not an error. In quick
 * mode (CI) only "it ran" matters and targets are not judged.
 */
import type { Figure } from './benchmark.js';
import { discoverBenchmarks, selectBenchmarks } from './support/discover.js';
import { describeMachine, formatLoad, type MachineInfo } from './support/machine.js';
import { figureRows, renderTable, TABLE_HEADER } from './support/table.js';

interface Options {
  readonly quick: boolean;
  readonly json: boolean;
  readonly names: readonly string[];
}

interface Outcome {
  readonly name: string;
  readonly seconds: number;
  readonly figures: readonly Figure[];
  readonly error?: string;
}

function parseArguments(argv: readonly string[]): Options {
  const unknown = argv.filter((arg) => arg.startsWith('-') && arg !== '--quick' && arg !== '--json');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}; usage: npm run bench -- [--quick] [--json] [name …]`);
  return { quick: argv.includes('--quick'), json: argv.includes('--json'), names: argv.filter((arg) => !arg.startsWith('-')) };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function describeRun(options: Options, start: MachineInfo, end: MachineInfo): string {
  return [
    `machine: ${start.cpu}, ${start.cores} cores, ${start.memoryGiB.toFixed(1)} GiB memory (${start.freeMemoryGiB.toFixed(1)} GiB free at start), ${start.platform}`,
    `node ${start.node}; load average (1/5/15 min) at start ${formatLoad(start.load)}, at end ${formatLoad(end.load)}`,
    `mode: ${options.quick ? 'quick (CI: checks the benchmarks run; targets not judged)' : 'full'}`,
  ].join('\n');
}

async function main(): Promise<number> {
  const options = parseArguments(process.argv.slice(2));
  const selected = selectBenchmarks(await discoverBenchmarks(), options.names);
  const start = describeMachine();
  const outcomes: Outcome[] = [];
  for (const { benchmark } of selected) {
    log(`── ${benchmark.name}: ${benchmark.description}`);
    const began = performance.now();
    try {
      const figures = await benchmark.run({ quick: options.quick, log: (line) => log(`   ${benchmark.name}: ${line}`) });
      outcomes.push({ name: benchmark.name, seconds: (performance.now() - began) / 1000, figures });
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`   ${benchmark.name} FAILED: ${message}`);
      outcomes.push({ name: benchmark.name, seconds: (performance.now() - began) / 1000, figures: [], error: message.split('\n')[0] ?? message });
    }
    log(`   ${benchmark.name}: ${((performance.now() - began) / 1000).toFixed(1)} s`);
  }
  const end = describeMachine();
  const failed = outcomes.filter((outcome) => outcome.error !== undefined);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ quick: options.quick, machine: { start, end }, benchmarks: outcomes }, null, 2)}\n`);
  } else {
    const rows = outcomes.flatMap((outcome) =>
      outcome.error === undefined ? figureRows(outcome.figures, options.quick) : [[outcome.name, 'FAILED', '', '', '', outcome.error]],
    );
    process.stdout.write(`${renderTable(TABLE_HEADER, rows)}\n\n${describeRun(options, start, end)}\n`);
  }
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => {
    // Benchmarks close what they open; exiting here still ends a run whose leftover handle would hang CI.
    process.exit(code);
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
