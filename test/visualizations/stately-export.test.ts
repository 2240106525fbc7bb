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
import { createMachine, not, type AnyStateMachine } from 'xstate';
import { DRAWN_MACHINES } from '../../scripts/visualize/machines.js';
import { toStatelyExport } from '../../scripts/visualize/stately.js';
import { describeMachine } from './describe-machine.js';

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

/** Every construct the exporter knows, in one small machine. */
const sample = createMachine({
  id: 'demo',
  initial: 'idle',
  on: { reset: { target: '.idle', description: 'Back to the start.' } },
  states: {
    idle: { entry: ['greet'], on: { go: 'work', poke: { actions: [{ type: 'note', params: { loud: true } }] } } },
    work: {
      type: 'parallel',
      onDone: 'finished',
      states: {
        a: { initial: 'one', states: { one: { on: { next: 'two' } }, two: { type: 'final' } } },
        b: {
          initial: 'running',
          tags: ['busy'],
          states: {
            running: {
              invoke: {
                id: 'job',
                src: 'job',
                onDone: 'done',
                onError: [{ guard: { type: 'mayRetry', params: { step: 'job' } }, target: 'running', reenter: true }, { target: '#demo.broken' }],
              },
            },
            done: { type: 'final' },
          },
        },
      },
    },
    check: { always: [{ guard: not('ok'), target: 'broken' }, { target: 'finished' }] },
    waiting: { after: { 5000: 'check' } },
    broken: { description: 'Gave up.' },
    finished: { type: 'final' },
  },
});

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
      writeFileSync(file, toStatelyExport(sample, 'test/sample.ts'));
      const loaded = await load(file, 'demo');
      assert.deepEqual(describeMachine(loaded), describeMachine(sample));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes targets the way a person would: sibling keys, .child, #id', () => {
    const text = toStatelyExport(sample, 'test/sample.ts');
    assert.match(text, /^import \{ createMachine \} from 'xstate';$/m);
    assert.match(text, /reset: \{ target: '\.idle', description: 'Back to the start\.' \}/);
    assert.match(text, /go: \{ target: 'work' \}/);
    assert.match(text, /\{ target: '#demo\.broken' \}/);
    assert.match(text, /guard: '!ok'/);
    assert.match(text, /after: \{ 5000: \{ target: 'check' \} \}/);
  });
});
