/**
 * The chaos run, small: a handful of lifecycles against a standalone sandbox while the daemon
 * is SIGKILLed five times at seeded moments and restarted on the same database. Every service
 * must end where its script said, nothing may be left over or doubled in any simulator, and
 * the transition log must be gapless and continuous. `npm run chaos` is the full run (≥ 50 kills).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runChaos } from './chaos-runner.js';
import { formatReport } from './report.js';

const SERVICES = 6;
const KILLS = 5;

describe('crash anywhere: a small chaos run', () => {
  it(`${SERVICES} lifecycles survive ${KILLS} SIGKILLs and leave the world exactly as intended`, { timeout: 300_000 }, async () => {
    const result = await runChaos({ seed: 7, services: SERVICES, kills: KILLS, timeScale: 0.01, settleTimeoutMs: 150_000 });
    const report = formatReport(result);
    assert.deepEqual(result.violations, [], report);
    assert.equal(result.figures.kills, KILLS, report);
    assert.equal(result.figures.killsSurvived, KILLS, report);
    assert.equal(result.figures.lifecyclesCompleted, SERVICES, report);
    assert.ok(result.figures.transitions > SERVICES * 5, report);
  });
});
