/**
 * Figure 1's references: the step graph is read from the service machine, and both sums come
 * from the sandbox's own timing table — so a reordered chain or a changed latency moves them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TIMING_TABLE } from '../../src/sandbox/core/timing.js';
import {
  criticalPathSeconds, describeGraph, ORIGINAL_FIXED_WAIT_S, ORIGINAL_ORDER, provisioningGraph, sequentialSeconds, stepSeconds, stepsOf,
} from '../../bench/support/step-graph.js';

describe("figure 1's step graph and references", () => {
  const graph = provisioningGraph();

  it("is the machine's shape: the site chain beside DNS and proxy host, then live beside snapshot", () => {
    assert.equal(
      describeGraph(graph),
      'allocating → (container → ha → ready → install → verify ‖ dnsRecord ‖ proxyHost) → (live ‖ snapshot)',
    );
  });

  it('gives every step a timing, and the original order names only steps the machine has', () => {
    for (const step of stepsOf(graph)) assert.ok(Number.isFinite(stepSeconds(step)), step);
    const steps = stepsOf(graph);
    for (const item of ORIGINAL_ORDER) if (typeof item === 'string') assert.ok(steps.includes(item), item);
  });

  it('takes the longest branch of each parallel region and adds the sequences', () => {
    const site = ['container', 'ha', 'ready', 'install', 'verify'].reduce((sum, step) => sum + stepSeconds(step), 0);
    const building = Math.max(site, stepSeconds('dnsRecord'), stepSeconds('proxyHost'));
    const finishing = Math.max(stepSeconds('live'), stepSeconds('snapshot'));
    assert.equal(criticalPathSeconds(graph), stepSeconds('allocating') + building + finishing);
    assert.equal(stepSeconds('install'), TIMING_TABLE['ssh.installer'], 'read from the table the sandbox uses');
  });

  it('sums the original order with its fixed wait', () => {
    const steps = ORIGINAL_ORDER.filter((item): item is string => typeof item === 'string');
    assert.equal(sequentialSeconds(), steps.reduce((sum, step) => sum + stepSeconds(step), 0) + ORIGINAL_FIXED_WAIT_S);
    assert.ok(criticalPathSeconds(graph) < sequentialSeconds());
  });

  it('refuses a step it has no timing for', () => {
    assert.throws(() => stepSeconds('teleport'), /no timing/);
  });
});
