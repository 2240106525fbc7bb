import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventLoopLoad } from '../../src/actors/event-loop-load.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('event-loop load', () => {
  it('reads near 1 while the loop is kept busy, and low again once it idles', async () => {
    const load = new EventLoopLoad(50);
    try {
      // Busy for ~200 ms in 20 ms chunks: the sampling timer still fires between chunks.
      const until = Date.now() + 200;
      while (Date.now() < until) {
        const chunkEnd = Date.now() + 20;
        while (Date.now() < chunkEnd) {
          // spin
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.ok(load.utilization > 0.8, `busy: ${load.utilization}`);
      await sleep(200);
      assert.ok(load.utilization < 0.5, `idle: ${load.utilization}`);
    } finally {
      load.stop();
    }
  });
});
