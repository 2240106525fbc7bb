/**
 * Every construct the visualizers know, in one small machine: parallel regions, final states,
 * an invoke with a retrying guarded onError, `always` with a higher-order guard, a delay, a
 * root transition, transitions that only run actions, entry actions, tags and descriptions.
 */
import { createMachine, not } from 'xstate';

export const sampleMachine = createMachine({
  id: 'demo',
  initial: 'idle',
  on: { reset: { target: '.idle', description: 'Back to the start.' }, ping: { actions: 'log' } },
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
