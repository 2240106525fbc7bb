/**
 * The daemon's Node flags (its V8 heap sizing: docs/performance.md §4) are given in two
 * places, `npm start` and the systemd unit, and the benchmark reads them from the first. They
 * must not drift apart: an operator's daemon is the one the figures were measured on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startScriptNodeFlags } from '../../bench/load/stack.js';

const unitFlags = (unit: string): string[] => {
  const execStart = /^ExecStart=\/usr\/bin\/node((?: --[\w-]+(?:=\S+)?)*) bin\/provisiond\.mjs serve$/m.exec(unit);
  assert.ok(execStart !== null, 'the unit starts `/usr/bin/node <flags…> bin/provisiond.mjs serve`');
  return (execStart[1] ?? '').split(' ').filter((word) => word !== '');
};

describe('Node flags of the daemon', () => {
  it('npm start and the systemd unit give the same ones, the young generation size among them', () => {
    const fromStart = startScriptNodeFlags();
    assert.deepEqual(unitFlags(readFileSync(new URL('../../deploy/provisiond.service', import.meta.url), 'utf8')), fromStart);
    assert.ok(fromStart.includes('--max-semi-space-size=64'), fromStart.join(' '));
    assert.ok(fromStart.includes('--heap-growing-percent=100'), fromStart.join(' '));
  });

  it('this Node accepts them (an unknown V8 flag would stop the daemon from starting at all)', () => {
    const run = spawnSync(process.execPath, [...startScriptNodeFlags(), '-e', '0'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
  });

  it('a start script of another shape is refused rather than read wrongly', () => {
    assert.deepEqual(startScriptNodeFlags(JSON.stringify({ scripts: { start: 'node --import tsx src/main.ts' } })), []);
    assert.deepEqual(startScriptNodeFlags(JSON.stringify({ scripts: { start: 'node --a=1 --b --import tsx src/main.ts' } })), ['--a=1', '--b']);
    assert.throws(() => startScriptNodeFlags(JSON.stringify({ scripts: { start: 'tsx src/main.ts' } })), /is not `node <flags…> --import tsx src\/main\.ts`/);
    assert.throws(() => startScriptNodeFlags(JSON.stringify({})), /is not/);
  });
});
