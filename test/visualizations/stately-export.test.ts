/**
 * The Stately export is the machine: loaded back with xstate's createMachine, it has the
 * same states and transitions as the definition in src/machines, and carries no
 * implementation (Stately's editor imports names, not code).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import type { AnyStateMachine } from 'xstate';
import { DRAWN_MACHINES } from '../../scripts/visualize/machines.js';
import { toStatelyExport } from '../../scripts/visualize/stately.js';
import { describeMachine } from './describe-machine.js';
import { sampleMachine } from './sample-machine.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function load(file: string, name: string): Promise<AnyStateMachine> {
  const module = (await import(pathToFileURL(file).href)) as Record<string, AnyStateMachine | undefined>;
  const machine = module[`${name}Machine`];
  assert.ok(machine !== undefined, `${file} exports ${name}Machine`);
  return machine;
}

function functionsIn(value: unknown, path: string, found: string[]): string[] {
  if (typeof value === 'function') found.push(path);
  else if (value !== null && typeof value === 'object') for (const [key, item] of Object.entries(value)) functionsIn(item, `${path}.${key}`, found);
  return found;
}

describe('Stately export', () => {
  for (const { name, machine } of DRAWN_MACHINES) {
    it(`visualizations/${name}.stately.js loads back as the same statechart as the ${name} machine`, async () => {
      const loaded = await load(join(ROOT, 'visualizations', `${name}.stately.js`), name);
      const expected = describeMachine(machine);
      const actual = describeMachine(loaded);
      assert.deepEqual(actual.states, expected.states);
      assert.deepEqual(actual.transitions, expected.transitions);
      assert.ok(expected.transitions.length > 20, 'the comparison covers the real machine');
      assert.deepEqual(functionsIn(loaded.config, name, []), [], 'no implementation is exported');
    });
  }

  it('round-trips parallel regions, final states, invokes, delays, eventless and higher-order guards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provisiond-stately-'));
    try {
      // The export imports xstate by name: give the temp folder the project's copy.
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(join(ROOT, 'node_modules', 'xstate'), join(dir, 'node_modules', 'xstate'), 'dir');
      const file = join(dir, 'demo.stately.mjs');
      writeFileSync(file, toStatelyExport(sampleMachine, 'test/sample.ts'));
      const loaded = await load(file, 'demo');
      assert.deepEqual(describeMachine(loaded), describeMachine(sampleMachine));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes targets the way a person would: sibling keys, .child, #id', () => {
    const text = toStatelyExport(sampleMachine, 'test/sample.ts');
    assert.match(text, /^import \{ createMachine \} from 'xstate';$/m);
    assert.match(text, /reset: \{ target: '\.idle', description: 'Back to the start\.' \}/);
    assert.match(text, /go: \{ target: 'work' \}/);
    assert.match(text, /\{ target: '#demo\.broken' \}/);
    assert.match(text, /guard: '!ok'/);
    assert.match(text, /after: \{ 5000: \{ target: 'check' \} \}/);
  });
});
