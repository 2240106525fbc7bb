/**
 * A realistic persisted snapshot for figure 2: the real service machine, mid-provisioning
 * (WordPress installing, DNS record done, proxy host in flight), serialised exactly as
 * LiveService does (`JSON.stringify(actor.getPersistedSnapshot())`). The effects are stand-ins
 * given through `provide()`, the seam production uses; none of them does I/O.
 */
import { createActor, fromPromise, waitFor } from 'xstate';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { serviceEffects } from '../../src/machines/effect-contracts.js';
import { serviceMachine } from '../../src/machines/service.machine.js';

const ANSWERS: Readonly<Record<string, unknown>> = {
  allocate: { subdomain: 'customer', privateIp: '127.66.1.105', vmid: 907 },
  createContainer: { node: 'node2' },
};
/** Still running when the snapshot is taken. */
const IN_FLIGHT = new Set(['installWordPress', 'createProxyHost']);

export async function midProvisioningSnapshot(serviceId: string): Promise<{ json: string; state: string }> {
  const actors: Record<string, unknown> = {};
  for (const name of Object.keys(serviceEffects)) {
    actors[name] = fromPromise(() => (IN_FLIGHT.has(name) ? new Promise<never>(() => undefined) : Promise.resolve(ANSWERS[name])));
  }
  actors.sleepUntil = fromPromise(() => Promise.resolve());
  const plan = DEFAULT_PLANS[0];
  if (plan === undefined) throw new Error('no default plan');
  const actor = createActor(serviceMachine.provide({ actors: actors as never }), {
    input: {
      serviceId,
      email: 'customer@example.com',
      plan: plan.name,
      publicIp: '203.0.113.10',
      baseDomain: 'nodepoint.eu',
      resources: { memoryMb: plan.memoryMb, diskGb: plan.diskGb, cores: plan.cores },
      domainQuota: plan.domainQuota,
    },
  });
  actor.start();
  actor.send({ type: 'create' });
  try {
    const reached = await waitFor(actor, (snapshot) => snapshot.matches({ provisioning: { building: { site: 'install', dnsRecord: 'done' } } }), { timeout: 5_000 });
    return { json: JSON.stringify(actor.getPersistedSnapshot()), state: JSON.stringify(reached.value) };
  } finally {
    actor.stop();
  }
}
