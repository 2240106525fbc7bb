import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { StartQueue } from '../../src/actors/start-queue.js';

describe('start queue', () => {
  it('starts nothing on the request path, then everything in order over the next turns', async () => {
    const started: string[] = [];
    const queue = new StartQueue<number>((id, input) => started.push(`${id}:${input}`));
    queue.enqueue('a', 1);
    queue.enqueue('b', 2);
    queue.enqueue('c', 3);
    assert.deepEqual(started, [], 'enqueue never starts synchronously');
    while (queue.size > 0) await nextTurn();
    assert.deepEqual(started, ['a:1', 'b:2', 'c:3']);
  });

  it('yields to the event loop between slices: a zero-length slice starts one per turn', async () => {
    const started: string[] = [];
    const queue = new StartQueue<null>((id) => started.push(id), { sliceMs: 0 });
    for (const id of ['a', 'b', 'c']) queue.enqueue(id, null);
    let turnsSeen = 0;
    // Work queued behind the first slice (as an arriving request would be) runs before the rest.
    setImmediate(() => {
      turnsSeen = started.length;
    });
    while (queue.size > 0) await nextTurn();
    assert.equal(turnsSeen, 1, 'the other turn ran after one start, not after all of them');
    assert.deepEqual(started, ['a', 'b', 'c']);
  });

  it('starts one service ahead of its turn, once', async () => {
    const started: string[] = [];
    const queue = new StartQueue<null>((id) => started.push(id));
    queue.enqueue('a', null);
    queue.enqueue('b', null);
    assert.equal(queue.startNow('b'), true);
    assert.equal(queue.startNow('b'), false, 'no longer waiting');
    assert.equal(queue.startNow('unknown'), false);
    while (queue.size > 0) await nextTurn();
    assert.deepEqual(started, ['b', 'a']);
  });

  it('forgets one start, or all of them on shutdown', async () => {
    const started: string[] = [];
    const queue = new StartQueue<null>((id) => started.push(id));
    queue.enqueue('a', null);
    queue.enqueue('b', null);
    queue.forget('a');
    await nextTurn();
    assert.deepEqual(started, ['b']);
    queue.enqueue('c', null);
    queue.clear();
    await nextTurn();
    await nextTurn();
    assert.deepEqual(started, ['b'], 'nothing started after clear');
    assert.equal(queue.size, 0);
  });
});

describe('start queue: admission', () => {
  it('starts only what is admitted, and drains again on resume', async () => {
    const started: string[] = [];
    let room = 1;
    const queue = new StartQueue<null>(
      (id) => {
        started.push(id);
        room -= 1;
      },
      { admit: () => room > 0 },
    );
    for (const id of ['a', 'b', 'c']) queue.enqueue(id, null);
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    assert.deepEqual(started, ['a'], 'held back once the room was used');
    assert.equal(queue.size, 2);
    room = 2;
    queue.resume();
    while (queue.size > 0) await nextTurn();
    assert.deepEqual(started, ['a', 'b', 'c'], 'oldest first after resuming');
  });

  it('lets a command start its service ahead of the limit', () => {
    const started: string[] = [];
    const queue = new StartQueue<null>((id) => started.push(id), { admit: () => false });
    queue.enqueue('a', null);
    assert.equal(queue.startNow('a'), true);
    assert.deepEqual(started, ['a']);
  });
});
