import assert from 'node:assert/strict';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { BuildPacer, type BuildPacerOptions } from '../../src/actors/build-pacer.js';
import { LoopLag, type LagSource } from '../../src/actors/loop-lag.js';
import type { ServiceEffectFunctions } from '../../src/actors/effect-actors.js';
import { createTestStack, succeedingEffects, waitFor } from '../support/stack.js';

/** A lag source that reports what the test says (the real one is LoopLag). */
function fixedLag(ms: number): LagSource & { readonly starts: number } {
  let starts = 0;
  return {
    get starts() {
      return starts;
    },
    start: () => {
      starts += 1;
    },
    stop: () => undefined,
    takeMax: () => ms,
  };
}

/** A command that took this long fills 40 % of a 250 ms window: a storm. */
const STORM_MS = 100;

/** A pacer on a clock the test moves; its own ticks never fire (the test calls tick). */
function manualPacer(options: BuildPacerOptions = {}) {
  const clock = { now: 0 };
  const lag = fixedLag(0);
  const pacer = new BuildPacer({ tickMs: 25, initialPerSecond: 40, growPerTick: 1, windowMs: 250, maxWaitMs: 500, lag, now: () => clock.now, ...options });
  return { pacer, clock, lag };
}

/** `count` commands of `durationMs` each, one every `gapMs` on the test's clock. */
function commandsEvery(pacer: BuildPacer, clock: { now: number }, count: number, gapMs: number, durationMs: number): void {
  for (let i = 0; i < count; i++) {
    clock.now += gapMs;
    pacer.noteCommand(durationMs);
  }
}

/** Whether a promise has settled, without waiting for it. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await nextTurn();
  return done;
}

describe('build pacer', () => {
  it('lets everything start at once while no command is arriving, and runs no probe', async () => {
    const { pacer, lag } = manualPacer();
    for (let i = 0; i < 50; i++) assert.equal(await settled(pacer.turn()), true);
    assert.equal(pacer.tryStart(), true);
    assert.equal(lag.starts, 0);
    pacer.stop();
  });

  it('does not count a steady stream that leaves most of the loop to the builds as pressure', async () => {
    const { pacer, clock } = manualPacer();
    // 80 commands/s of 0.5 ms each: 4 % of the loop, as the feed benchmark's stream.
    for (let i = 0; i < 200; i++) {
      clock.now += 12.5;
      pacer.noteCommand(0.5);
      assert.equal(pacer.pressured, false);
    }
    for (let i = 0; i < 50; i++) assert.equal(await settled(pacer.turn()), true);
    pacer.stop();
  });

  it('recognises a burst of commands within its first tens of milliseconds', () => {
    const { pacer, clock } = manualPacer({ burstCommands: 20 });
    // 500 commands/s of 0.6 ms: the 19 first (38 ms) are not yet a burst, the 20th is.
    for (let i = 1; i < 20; i++) {
      clock.now += 2;
      pacer.noteCommand(0.6);
      assert.equal(pacer.pressured, false, `after ${i} commands`);
    }
    commandsEvery(pacer, clock, 1, 2, 0.6);
    assert.equal(pacer.pressured, true, '20 commands in 40 ms, 30 % of it theirs');
    pacer.stop();
  });

  it('measures a burst from its first command, however long the window had been open', () => {
    const { pacer, clock } = manualPacer({ burstCommands: 20 });
    // A window opens on a lone command; the burst begins 200 ms into it.
    pacer.noteCommand(0.6);
    clock.now += 200;
    commandsEvery(pacer, clock, 20, 2, 0.6);
    assert.equal(pacer.pressured, true, '12 ms of 40 are the burst\'s, whatever came before');
    pacer.stop();
  });

  it('counts the group commits that write the commands after they returned', () => {
    // The rate alone would call 500/s a storm (below); here only their share is in question.
    const { pacer, clock } = manualPacer({ burstCommands: 20, stormPerSecond: Infinity });
    // 500 creates/s whose own part is quick (0.2 ms: 10 %), each group of three committed after them.
    for (let i = 1; i <= 18; i++) {
      commandsEvery(pacer, clock, 1, 2, 0.2);
      assert.equal(pacer.pressured, false, `after ${i} commands, commits not yet counted`);
    }
    const uncounted = manualPacer({ burstCommands: 20, stormPerSecond: Infinity });
    commandsEvery(uncounted.pacer, uncounted.clock, 21, 2, 0.2);
    assert.equal(uncounted.pacer.pressured, false, 'the commands alone are under the line');
    uncounted.pacer.stop();
    for (let group = 0; group < 7; group++) {
      commandsEvery(pacer, clock, 3, 2, 0.2);
      pacer.noteCommitted(0.4);
    }
    assert.equal(pacer.pressured, true, 'with their commits (0.4 ms a group) they take ~17 % of the loop: a storm');
    pacer.stop();
  });

  it('keeps counting commits toward the window when no command is in the burst memory yet', () => {
    const { pacer } = manualPacer();
    pacer.noteCommitted(STORM_MS);
    assert.equal(pacer.pressured, true);
    pacer.stop();
  });

  it('does not take a few quick commands close together for a storm', () => {
    const { pacer, clock } = manualPacer({ burstCommands: 20 });
    // 19 commands in 38 ms, 0.1 ms each: too few for a burst, 76/s over the window.
    commandsEvery(pacer, clock, 19, 2, 0.1);
    assert.equal(pacer.pressured, false);
    pacer.stop();
  });

  it('takes quick commands arriving at the storm rate for a storm, whatever their share', () => {
    const { pacer, clock } = manualPacer({ burstCommands: 20, stormPerSecond: 200 });
    // 500 commands/s of 0.1 ms: 5 % of the loop, far under the share, but each one sets off a build.
    commandsEvery(pacer, clock, 20, 2, 0.1);
    assert.equal(pacer.pressured, true, '20 commands in 40 ms: 500/s');
    commandsEvery(pacer, clock, 130, 2, 0.1);
    // 100 ms after the last command the last 20 are no longer a burst; the window before is a storm.
    clock.now += 100;
    assert.equal(pacer.pressured, true, 'the window just past held 125 commands in 250 ms');
    clock.now += 600;
    assert.equal(pacer.pressured, false, 'two windows of silence end it');
    pacer.stop();
  });

  it('does not take a stream just under the storm rate for a storm', () => {
    const { pacer, clock } = manualPacer({ burstCommands: 20, stormPerSecond: 200 });
    // 180 quick commands/s for two seconds: under the rate and the share, in every window.
    for (let i = 0; i < 360; i++) {
      commandsEvery(pacer, clock, 1, 1000 / 180, 0.1);
      assert.equal(pacer.pressured, false, `after ${i + 1} commands`);
    }
    pacer.stop();
  });

  it('under pressure, grants one tick of starts and holds the rest, oldest first', async () => {
    const { pacer, clock } = manualPacer();
    pacer.noteCommand(STORM_MS);
    // 40/s over a 25 ms tick is one start.
    assert.equal(await settled(pacer.turn()), true);
    const second = pacer.turn();
    const third = pacer.turn();
    assert.equal(pacer.tryStart(), false, 'a new service waits behind the effects of those begun');
    assert.equal(await settled(second), false);
    assert.equal(pacer.waitingEffects, 2);
    clock.now += 25;
    pacer.noteCommand(STORM_MS);
    pacer.tick(0);
    assert.equal(await settled(second), true, 'the older one first');
    assert.equal(await settled(third), false);
    assert.equal(pacer.pace, 41, 'a prompt tick with work waiting adds one per second');
    pacer.stop();
  });

  it('halves the pace after a laggy tick, yet lets one start every maxWaitMs', async () => {
    const { pacer, clock } = manualPacer();
    pacer.noteCommand(STORM_MS);
    await pacer.turn();
    const waiting = pacer.turn();
    for (let t = 1; t <= 19; t++) {
      clock.now = t * 25;
      pacer.noteCommand(STORM_MS);
      pacer.tick(50);
    }
    assert.ok(pacer.pace < 0.001, `pace ${pacer.pace}`);
    assert.equal(await settled(waiting), false, 'not yet: the last start was 475 ms ago');
    clock.now = 500;
    pacer.noteCommand(STORM_MS);
    pacer.tick(50);
    assert.equal(await settled(waiting), true, 'the guarantee of progress');
    pacer.stop();
  });

  it('lets everything go when the storm stops, and wakes held starts', async () => {
    const { pacer, clock } = manualPacer();
    let woken = 0;
    pacer.onStartRoom(() => {
      woken += 1;
    });
    pacer.noteCommand(STORM_MS);
    await pacer.turn();
    const held = [pacer.turn(), pacer.turn(), pacer.turn()];
    assert.equal(pacer.tryStart(), false);
    // Two windows without a command: the share they saw is none.
    clock.now = 600;
    assert.equal(pacer.pressured, false);
    pacer.tick(50);
    for (const turn of held) assert.equal(await settled(turn), true);
    assert.equal(woken, 1);
    assert.equal(pacer.tryStart(), true);
    pacer.stop();
  });

  it('drops a waiting effect whose signal aborts, with the signal reason', async () => {
    const { pacer, clock } = manualPacer();
    pacer.noteCommand(STORM_MS);
    await pacer.turn();
    const controller = new AbortController();
    const aborted = pacer.turn(controller.signal);
    const next = pacer.turn();
    controller.abort(new Error('deleted meanwhile'));
    await assert.rejects(aborted, /deleted meanwhile/);
    assert.equal(pacer.waitingEffects, 1);
    clock.now = 25;
    pacer.noteCommand(STORM_MS);
    pacer.tick(0);
    assert.equal(await settled(next), true, 'the aborted one took no turn');
    pacer.stop();
  });
});

describe('loop lag', () => {
  it('reports a long turn as the wait a timer saw', async () => {
    const lag = new LoopLag({ probeMs: 2 });
    lag.start();
    try {
      await sleep(10);
      lag.takeMax();
      const until = Date.now() + 40;
      while (Date.now() < until) {
        // a 40 ms turn
      }
      await sleep(10);
      assert.ok(lag.takeMax() >= 30, 'the blocked turn is seen');
    } finally {
      lag.stop();
    }
  });
});

const create = (serviceId: string) => ({ type: 'create' as const, serviceId, email: `c${serviceId}@example.com`, plan: 'basic', publicIp: '203.0.113.10' });

describe('registry: effects yield to arriving commands', () => {
  it('holds builds while a storm of commands keeps the loop late, and finishes them after it', async () => {
    const containers: string[] = [];
    const effects = {
      ...succeedingEffects(),
      createContainer: async ({ serviceId }: { serviceId: string }) => {
        containers.push(serviceId);
        return { node: 'node1' };
      },
    } as ServiceEffectFunctions;
    // Any command time is a storm here; 4 starts/s is one turn now and a tenth of
    // one per tick, and laggy ticks halve even that.
    const stack = createTestStack({ effects, pacing: { lag: fixedLag(50), pressureShare: 1e-6, windowMs: 100, initialPerSecond: 4, maxWaitMs: 60_000 } });
    try {
      stack.registry.execute(create('1'));
      for (let i = 2; i <= 6; i++) {
        await sleep(40);
        stack.registry.execute(create(String(i)));
      }
      assert.deepEqual(containers, [], 'no effect ran past its turn while the loop lagged');
      assert.notEqual(stack.registry.get('1')?.state, 'active');
      await waitFor(() => stack.registry.list({ limit: 10 }).every((service) => service.state === 'active'), 5_000, 'the builds once the commands stopped');
      assert.equal(containers.length, 6);
    } finally {
      stack.close();
    }
  });
});
