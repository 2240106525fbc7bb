/**
 * `--inspect`: the flag is read from the arguments or PROVISIOND_INSPECT; an inspect
 * observer injected into the registry sees each service actor's inspection events (and the
 * registry still records what caused each transition); the relay listens on loopback,
 * warns, replaces e-mail addresses and refuses pages of other origins. No network beyond
 * 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { createActor, createMachine, type InspectionEvent } from 'xstate';
import { createServiceRegistry } from '../../src/actors/service-registry.js';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { DEFAULT_INSPECT_PORT, inspectPort, inspectRequested, startInspector } from '../../src/inspect.js';
import { openStore } from '../../src/persistence/store.js';
import type { Store } from '../../src/persistence/types.js';
import { succeedingDomainEffects, succeedingEffects, TEST_POOL, waitFor } from '../support/stack.js';

describe('--inspect is requested', () => {
  it('by a --inspect argument, alone or after a subcommand', () => {
    assert.equal(inspectRequested(['--inspect'], {}), true);
    assert.equal(inspectRequested(['serve', '--inspect'], {}), true);
    assert.equal(inspectRequested([], {}), false);
    assert.equal(inspectRequested(['--inspect=9229', '--inspector'], {}), false);
  });

  it('by PROVISIOND_INSPECT=1 or true, and by nothing else', () => {
    assert.equal(inspectRequested([], { PROVISIOND_INSPECT: '1' }), true);
    assert.equal(inspectRequested([], { PROVISIOND_INSPECT: 'true' }), true);
    assert.equal(inspectRequested([], { PROVISIOND_INSPECT: '0' }), false);
    assert.equal(inspectRequested([], { PROVISIOND_INSPECT: '' }), false);
  });

  it('on port PROVISIOND_INSPECT_PORT, else 8081', () => {
    assert.equal(inspectPort({}), DEFAULT_INSPECT_PORT);
    assert.equal(inspectPort({ PROVISIOND_INSPECT_PORT: '9100' }), 9100);
    assert.throws(() => inspectPort({ PROVISIOND_INSPECT_PORT: 'http' }), /PROVISIOND_INSPECT_PORT/);
  });
});

describe('the registry with an inspect observer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-inspect-'));
  const stores: Store[] = [];
  const registryWith = (name: string, inspect: (event: InspectionEvent) => void) => {
    const store = openStore(join(dir, `${name}.db`));
    stores.push(store);
    const registry = createServiceRegistry({
      store,
      plans: DEFAULT_PLANS,
      allocation: TEST_POOL,
      baseDomain: 'sites.test',
      logger: pino({ level: 'silent' }),
      effects: { service: succeedingEffects(), domain: succeedingDomainEffects() },
      inspect,
    });
    registry.boot();
    after(() => registry.shutdown());
    return registry;
  };
  const seen: InspectionEvent[] = [];
  const registry = registryWith('seen', (event) => seen.push(event));
  after(() => {
    for (const store of stores) store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("forwards a service actor's inspection events, its children's too, and keeps recording causes", async () => {
    registry.execute({ type: 'create', serviceId: '501', email: 'customer@example.com', plan: 'basic', publicIp: '203.0.113.10' });
    await waitFor(() => registry.get('501')?.state === 'active', 5_000, 'service 501 active');
    const created = seen.find((e) => e.type === '@xstate.event' && e.event.type === 'create');
    assert.ok(created !== undefined, 'the create event sent to the service actor was seen');
    const service = created.actorRef;
    assert.ok(seen.some((e) => e.type === '@xstate.actor' && e.actorRef === service), 'the service actor was announced');
    assert.ok(seen.some((e) => e.type === '@xstate.snapshot' && e.actorRef === service && (e.snapshot as { value?: unknown }).value === 'active'), 'its snapshot in active was seen');
    assert.ok(seen.some((e) => e.type === '@xstate.actor' && (e.actorRef as { id?: string }).id === 'createContainer'), 'invoked effects are seen too');
    assert.equal(registry.recentTransitions('501', 50)[1]?.event, 'create', 'the registry still names the cause of a transition');
  });

  it('is never allowed to break the actor it watches', async () => {
    const broken = registryWith('broken', () => {
      throw new Error('observer failed');
    });
    broken.execute({ type: 'create', serviceId: '502', email: 'other@example.com', plan: 'basic', publicIp: '203.0.113.10' });
    await waitFor(() => broken.get('502')?.state === 'active', 5_000, 'service 502 active despite a throwing observer');
  });
});

describe('the inspector relay', () => {
  const logged: { obj: object; msg: string }[] = [];
  const started = startInspector({ port: 0, logger: { warn: (obj, msg) => void logged.push({ obj, msg }) } });
  after(async () => (await started).close());

  /** A viewer: every message it receives, from the first (the replay comes with the handshake). */
  const connect = (url: string, origin?: string): Promise<{ socket: WebSocket; messages: string[] }> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}events`, origin === undefined ? {} : { origin });
      const messages: string[] = [];
      socket.on('message', (data: Buffer) => messages.push(data.toString()));
      socket.once('open', () => resolve({ socket, messages }));
      socket.once('error', reject);
    });

  it('listens on loopback, warns loudly and serves the page that embeds Stately', async () => {
    const { url } = await started;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(logged.length, 1);
    assert.match(logged[0]?.msg ?? '', /development only.*context/i);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<iframe id="inspector" src="https:\/\/stately\.ai\/inspect">/);
    assert.equal((await fetch(`${url}other`)).status, 404);
  });

  it('streams inspection events with e-mail addresses replaced, replaying those sent before the page opened', async () => {
    const { url, inspect } = await started;
    // A literal context is part of the definition the inspector sends as well.
    const machine = createMachine({ id: 'sample', context: { email: 'customer@example.com', plan: 'basic' }, initial: 'a', states: { a: { on: { go: 'b' } }, b: {} } });
    const actor = createActor(machine, { inspect }).start();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the inspector sends from a timer
    const { socket, messages } = await connect(url, url.slice(0, -1));
    actor.send({ type: 'go' });
    await waitFor(() => messages.some((m) => m.includes('"@xstate.snapshot"') && m.includes('"b"')), 5_000, 'the snapshot in b');
    socket.close();
    actor.stop();
    const announced = messages.map((m) => JSON.parse(m) as { type: string; name?: string; snapshot?: { context?: { email?: string; plan?: string } } }).find((m) => m.type === '@xstate.actor' && m.name === 'sample');
    assert.ok(announced !== undefined, 'the actor announced before the page opened is replayed');
    assert.deepEqual(announced.snapshot?.context, { email: '[redacted]', plan: 'basic' });
    assert.ok(!messages.some((m) => m.includes('customer@example.com')), 'no e-mail address leaves');
  });

  it('refuses a page of another origin', async () => {
    const { url } = await started;
    await assert.rejects(connect(url, 'https://evil.example'), /401/);
  });
});
