/**
 * `--help` everywhere, and usage errors that exit 2 with the command's usage line. The program
 * runs in this process (help loads nothing of the daemon); one case runs the installed bin.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, commandPath } from '../../src/cli/program.js';
import { runInProcess, runProvisiond } from './support.js';

function allCommands(): Command[] {
  const noAction = () => async () => undefined;
  const program = buildProgram({ env: {}, stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough() }, noAction);
  const walk = (command: Command): Command[] => [command, ...command.commands.flatMap(walk)];
  return walk(program);
}

const EXPECTED = [
  'provisiond', 'provisiond serve', 'provisiond sandbox', 'provisiond services', 'provisiond services ls', 'provisiond services show',
  'provisiond services events', 'provisiond retry', 'provisiond suspend', 'provisiond unsuspend', 'provisiond delete',
  'provisiond migrate', 'provisiond backup', 'provisiond restore', 'provisiond reconcile',
];

describe('provisiond --help', () => {
  it('has every command of issue 7, each described, with every option described', () => {
    const commands = allCommands().filter((command) => command.name() !== 'help');
    assert.deepEqual(commands.map(commandPath).sort(), [...EXPECTED].sort());
    for (const command of commands) {
      assert.ok(command.description().length >= 20, `${commandPath(command)} needs a description`);
      for (const option of command.options) assert.ok(option.description.length >= 8, `${commandPath(command)} ${option.flags} needs a description`);
    }
  });

  for (const path of EXPECTED.filter((p) => p !== 'provisiond sandbox')) {
    it(`${path} --help prints its usage and exits 0`, async () => {
      const run = await runInProcess([...path.split(' ').slice(1), '--help']);
      assert.equal(run.outcome, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^Usage: ${path}\\b`));
      assert.equal(run.stderr, '');
    });
  }

  it('the program help names the environment, not a token flag, and the exit statuses', async () => {
    const run = await runInProcess(['--help']);
    assert.match(run.stdout, /PROVISIOND_API_TOKEN/);
    assert.match(run.stdout, /Exit status: 0 done, 1 failed .* 2 usage/);
    assert.doesNotMatch(run.stdout, /--token/);
  });

  it('the installed bin answers --help and sandbox --help (the sandbox\'s own options) as a process', async () => {
    const [program, sandbox] = await Promise.all([runProvisiond(['--help'], {}), runProvisiond(['sandbox', '--help'], {})]);
    assert.equal(program.code, 0, program.stderr);
    assert.match(program.stdout, /^Usage: provisiond \[options\] \[command\]/);
    assert.equal(sandbox.code, 0, sandbox.stderr);
    assert.match(sandbox.stdout, /--time-scale/);
    assert.match(sandbox.stdout, /--out/);
  });
});

describe('usage errors exit 2 with the usage line on stderr, and print nothing on stdout', () => {
  const cases: [string[], RegExp][] = [
    [['services', 'show'], /Missing required argument 'id'[\s\S]*usage: provisiond services show \[options\] <id>/],
    [['suspend', '12345', '--token', 'secret-looking-value'], /Unknown option '--token'/],
    [['services', 'events', '--since', 'soon'], /argument 'soon' is invalid/],
    [['frobnicate'], /Unknown command 'frobnicate'/],
    [['reconcile', '--fx'], /Did you mean --fix\?[\s\S]*usage: provisiond reconcile \[--fix\] \[--json\]/],
    [['backup'], /Missing required argument 'file'/],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const run = await runInProcess(args);
      assert.equal(run.outcome, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    });
  }

  it('no command at all prints the program help on stderr', async () => {
    const run = await runInProcess([]);
    assert.equal(run.outcome, 2);
    assert.match(run.stderr, /Usage: provisiond/);
  });
});
