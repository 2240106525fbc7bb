/**
 * The rate limiter's counters (src/server/rate-limit.ts): a fixed window per address from its
 * first attempt, and memory bounded however many addresses turn up. A fake clock, no timers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AddressWindows } from '../../src/server/rate-limit.js';

function clocked(windowMs: number, capacity?: number): { windows: AddressWindows; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { windows: new AddressWindows(windowMs, capacity, () => now), advance: (ms) => void (now += ms) };
}

test('a window counts from the first attempt, tells the time left, and starts over once over', () => {
  const { windows, advance } = clocked(60_000);
  assert.deepEqual(windows.hit('10.0.0.1'), { current: 1, ttl: 60_000 });
  advance(20_000);
  assert.deepEqual(windows.hit('10.0.0.1'), { current: 2, ttl: 40_000 });
  assert.deepEqual(windows.hit('10.0.0.2'), { current: 1, ttl: 60_000 }, 'each address its own count');
  advance(40_000);
  assert.deepEqual(windows.hit('10.0.0.1'), { current: 1, ttl: 60_000 }, 'exactly at the end, a new window');
});

test('memory stays bounded: at capacity the oldest window makes room', () => {
  const { windows, advance } = clocked(1_000, 3);
  windows.hit('a');
  windows.hit('a');
  advance(500);
  windows.hit('b');
  windows.hit('c');
  assert.equal(windows.size, 3);
  windows.hit('d');
  assert.equal(windows.size, 3, 'at capacity, the oldest window (a) made room');
  assert.equal(windows.hit('b').current, 2, 'b kept its count');
  assert.equal(windows.hit('a').current, 1, 'a starts over after being dropped');

  advance(1_000);
  for (let i = 0; i < 50; i++) windows.hit(`spray-${i}`);
  assert.equal(windows.size, 3);
});

test('below capacity, a new address sweeps out the windows that have ended', () => {
  const { windows, advance } = clocked(1_000, 100);
  windows.hit('a');
  windows.hit('b');
  advance(600);
  windows.hit('c');
  advance(600);
  windows.hit('d');
  assert.equal(windows.size, 2, 'a and b ended and are gone; c and d remain');
  assert.equal(windows.hit('c').current, 2);
});
