/**
 * The order of a graceful shutdown and its limits, without a process: readiness turns first,
 * effects get what is left of the grace period after the server closed, and neither a hanging
 * effect nor a client that will not close holds the exit up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.js';
import { Readiness } from '../../src/metrics/readiness.js';
import { shutDown, type ShutdownSteps } from '../../src/shutdown.js';

function recorder(overrides: Partial<ShutdownSteps> = {}) {
  const order: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const readiness = new Readiness();
  readiness.markBooted();
  const steps: ShutdownSteps = {
    stopAccepting: async () => void order.push(`stopAccepting (ready: ${readiness.report().ready})`),
    stopBackground: async () => void order.push('stopBackground'),
    stopActors: () => void order.push('stopActors'),
    effectsInFlight: () => 0,
    effectsSettled: async () => true,
    closeClients: async () => void order.push('closeClients'),
    closeDatabase: () => void order.push('closeDatabase'),
    closeSandbox: async () => void order.push('closeSandbox'),
    ...overrides,
  };
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { order, lines, readiness, steps, logger };
}

describe('shutDown', () => {
  it('turns readiness off first, then closes from the outside in', async () => {
    const { order, lines, readiness, steps, logger } = recorder();
    await shutDown({ logger, graceMs: 1_000, readiness, steps }, 'SIGTERM');
    assert.deepEqual(order, ['stopAccepting (ready: false)', 'stopBackground', 'stopActors', 'closeClients', 'closeDatabase', 'closeSandbox']);
    assert.equal(readiness.report().shuttingDown, true);
    assert.deepEqual(lines.map((l) => l.msg), ['shutting down: no new requests; actors stop at their last commit', 'provisiond stopped']);
    assert.equal(lines[0]?.reason, 'SIGTERM');
  });

  it('gives effects in flight what is left of the grace period, and goes on without them after it', async () => {
    const asked: number[] = [];
    const { order, lines, readiness, steps, logger } = recorder({
      stopAccepting: async () => new Promise((resolve) => setTimeout(resolve, 200)),
      effectsInFlight: () => 2,
      effectsSettled: async (timeoutMs) => {
        asked.push(timeoutMs);
        return false;
      },
    });
    await shutDown({ logger, graceMs: 1_000, readiness, steps }, 'SIGINT');
    assert.equal(asked.length, 1);
    assert.ok((asked[0] ?? 0) <= 800 && (asked[0] ?? 0) > 500, `the wait is the grace period less the time already spent (${asked[0]} ms)`);
    const cutOff = lines.find((l) => l.level === 40);
    assert.match(String(cutOff?.msg), /grace period over/);
    assert.equal(cutOff?.inFlight, 2);
    assert.deepEqual(order.slice(-3), ['closeClients', 'closeDatabase', 'closeSandbox'], 'the database is closed all the same');
  });

  it('closes the database even when a client never finishes closing', async () => {
    const { order, lines, readiness, steps, logger } = recorder({ closeClients: () => new Promise(() => undefined) });
    const began = Date.now();
    await shutDown({ logger, graceMs: 0, readiness, steps, clientsCloseMs: 100 }, 'SIGTERM');
    assert.ok(Date.now() - began < 2_000);
    assert.deepEqual(order.slice(-2), ['closeDatabase', 'closeSandbox']);
    assert.ok(lines.some((l) => /clients did not close in time/.test(String(l.msg))));
  });
});
