import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InstallerProgress } from '../../src/effects/ssh/installer-script.js';
import { lineSplitter } from '../../src/effects/ssh/line-splitter.js';
import { pctOutcome } from '../../src/effects/ssh/pct-result.js';

describe('reading command output', () => {
  it('splits chunks into lines, keeping characters split across chunks whole', () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line));
    const bytes = Buffer.from('==> step: locale\r\nGrüße\nno newline at the end');
    const cut = bytes.indexOf(0xc3) + 1; // in the middle of "ü"
    split.push(bytes.subarray(0, cut));
    split.push(bytes.subarray(cut));
    split.flush();
    assert.deepEqual(lines, ['==> step: locale', 'Grüße', 'no newline at the end']);
  });

  it('cuts an endless line into pieces instead of holding it', () => {
    const lines: string[] = [];
    const split = lineSplitter((line) => lines.push(line), 10);
    split.push(Buffer.from('x'.repeat(25)));
    split.flush();
    assert.deepEqual(lines.map((l) => l.length), [10, 10, 5]);
  });

  it('follows the installer protocol', () => {
    const progress = new InstallerProgress();
    for (const line of ['==> step: parameters', '==> step: packages', 'E: something', '!! failed at step: packages']) progress.read(line);
    assert.equal(progress.lastStep, 'packages');
    assert.equal(progress.failedStep, 'packages');
    assert.equal(progress.finished, false);
    progress.read('==> step: done');
    assert.equal(progress.finished, true);
  });

  it('tells pct\'s own refusals from the command\'s exit status', () => {
    assert.equal(pctOutcome(0, ''), 'ok');
    assert.equal(pctOutcome(255, "container '907' not running!\n"), 'container-unavailable');
    assert.equal(pctOutcome(255, "Configuration file 'nodes/pve1/lxc/907.conf' does not exist\n"), 'container-unavailable');
    assert.equal(pctOutcome(255, 'something else\n'), 'command-failed');
    assert.equal(pctOutcome(137, ''), 'killed');
    assert.equal(pctOutcome(2, "container '907' not running!\n"), 'command-failed');
  });
});
