/**
 * A fault storm against the sandbox and the daemon as separate processes. Eight lifecycles
 * (create → suspend → unsuspend → custom domain → delete; one in four left active) run at
 * once while every simulator operation fails at a rate with the failures its system really
 * has (test/faults/fault-mix.ts) and NPM tokens and ISPConfig sessions are expired every few
 * seconds: every lifecycle ends where it was meant to, nothing of a deleted service remains
 * anywhere, the kept ones answer, and no fault was taken for a permanent one. Then one
 * permanent fault per system: each service ends `failed` at that step, compensated, with
 * nothing left.
 *
 * A lifecycle whose step runs out of retries on retryable errors is resumed with `retry`, as
 * an operator would, and counted (printed): at a per-call rate r, a step making k calls per
 * attempt fails an attempt with 1−(1−r)^k, and a few steps have 2 or 3 attempts. A failure
 * on any other code fails the test.
 *
 * PROVISIOND_FAULT_RATE sets the rate (default 0.02). The running time is the machines'
 * absolute backoffs (2–10 s per retry, 30 s per ownership look), the clients' timeouts
 * (15–30 s) of the few time-outs injected, and the re-provisioning after a budget ran out:
 * 65–100 s at the default, about 200 s at 0.05. `npx tsx test/faults/run.ts` runs bigger storms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeFigures } from '../faults/figures.js';
import { PERMANENT_CASES, runPermanentCase } from '../faults/permanent.js';
import { checkStorm } from '../faults/storm-check.js';
import { describeStorm } from '../faults/storm-report.js';
import { runStorm, type StormReport } from '../faults/storm.js';
import { strays } from '../faults/strays.js';
import { startProcessStack, type ProcessStack } from '../support/sandbox-process.js';

const SERVICES = 8;
const SEED = 1;

function rateFromEnv(): number {
  const text = process.env.PROVISIOND_FAULT_RATE;
  if (text === undefined || text === '') return 0.02;
  const rate = Number(text);
  if (!(rate > 0 && rate <= 0.5)) throw new Error(`PROVISIOND_FAULT_RATE must be in (0, 0.5], got "${text}"`);
  return rate;
}

describe('lifecycles under a fault storm, sandbox and daemon as separate processes', () => {
  const rate = rateFromEnv();
  let stack: ProcessStack;
  let report: StormReport | undefined;

  before(async () => {
    stack = await startProcessStack({ timeScale: 0.005 });
  });
  after(async () => {
    await stack?.stop();
  });

  it(`${SERVICES} lifecycles at a fault rate of ${rate} per call all end as planned, and the deleted leave nothing`, async (t) => {
    // Time-outs at a twentieth of the rate: each costs a client's whole timeout (15–30 s).
    report = await runStorm(stack, { rate, services: SERVICES, seed: SEED, tag: 't', timeoutShare: 0.05 });
    for (const line of [...describeStorm(report), ...describeFigures(report.figures)]) t.diagnostic(line);

    assert.equal(report.onceEach.hit, report.onceEach.of, 'each characteristic fault was met once');
    // More than the once-each rules: the rate itself hit calls too (a storm that never fired would pass otherwise).
    assert.ok(report.figures.faulted > report.onceEach.of, `faulted ${report.figures.faulted} calls`);
    for (const family of ['proxmox', 'cloudflare', 'npm', 'ispconfig', 'ssh']) {
      assert.ok((report.figures.families[family]?.faulted ?? 0) > 0, `${family} was faulted`);
    }
    assert.ok(report.expiries > 0, 'tokens and sessions were expired during the storm');
    assert.deepEqual(await checkStorm(stack.sandbox, report.outcomes), []);
  });

  for (const c of PERMANENT_CASES) {
    it(`a permanent ${c.fault.status ?? c.fault.kind} on ${c.fault.op} fails the ${c.at} at ${c.step} (${c.code}) and leaves nothing`, async () => {
      const result = await runPermanentCase(stack, c, 't');
      assert.deepEqual(result.problems, []);
      assert.ok(result.hits >= 1, `the fault on ${c.fault.op} was hit`);
    });
  }

  it('in the end, the simulators hold the kept services and nothing else', async () => {
    assert.ok(report !== undefined, 'the storm ran');
    const keep = report.outcomes.flatMap((o) => (o.plan.end === 'active' && o.vmid !== undefined && o.fqdn !== undefined ? [{ vmid: o.vmid, fqdn: o.fqdn, customDomains: [o.plan.domain] }] : []));
    assert.equal(keep.length, SERVICES / 4);
    assert.deepEqual(await strays(stack.sandbox, keep), []);
  });
});
