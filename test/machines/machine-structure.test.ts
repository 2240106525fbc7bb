/**
 * Persisted names are a contract: every invoke has an explicit, stable id and a string `src`
 * from setup({ actors }) (an inline or generated one is silently dropped on restore), and
 * every state says what it is for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { domainMachine } from '../../src/machines/domain.machine.js';
import { serviceMachine } from '../../src/machines/service.machine.js';

function nodesOf(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states).flatMap((child) => nodesOf(child))];
}

/**
 * A uniform leaf of the retry pattern, described by its parent step: `running`/`checking`
 * invoking the one effect, `waiting` invoking sleepUntil, or a final `done`.
 */
function isPatternLeaf(node: AnyStateNode): boolean {
  if (Object.keys(node.states).length > 0) return false;
  const srcs = node.invoke.map((invoke) => invoke.src);
  if (node.key === 'done') return node.type === 'final' && srcs.length === 0;
  if (node.key === 'waiting') return srcs.length === 1 && srcs[0] === 'sleepUntil';
  return (node.key === 'running' || node.key === 'checking') && srcs.length === 1 && srcs[0] !== 'sleepUntil';
}

function invokesOf(machine: AnyStateMachine): { state: string; id: string; src: unknown }[] {
  return nodesOf(machine.root).flatMap((node) => node.invoke.map((invoke) => ({ state: node.id, id: invoke.id, src: invoke.src })));
}

const SERVICE_INVOKE_IDS = [
  'allocate', 'allocateBackoff', 'awaitReady', 'checkLive', 'checkLiveAfterStart', 'containerBackoff', 'createContainer',
  'createDnsRecord', 'createProxyHost', 'deleteDnsRecord', 'deleteDnsRecordBackoff', 'deleteForceStopBackoff',
  'deleteProxyHost', 'deleteProxyHostBackoff', 'deleteShutdownContainer', 'deleteSnapshots', 'deleteSnapshotsBackoff',
  'deleteStopContainer', 'destroyContainer', 'destroyContainerBackoff', 'dnsRecordBackoff', 'forceStopBackoff', 'haBackoff',
  'installBackoff', 'installWordPress', 'liveAfterStartBackoff', 'liveBackoff', 'proxyHostBackoff', 'purgeDomains',
  'purgeDomainsBackoff', 'readyBackoff', 'registerHa', 'releaseAllocation', 'releaseBackoff', 'removeHa', 'removeHaBackoff',
  'shutdownContainer', 'snapshotBackoff', 'startBackoff', 'startContainer', 'stopContainer', 'takeSnapshot', 'undoBackoff',
  'undoStep', 'verifyBackoff', 'verifyInstall',
  // Operator commands (issue 5).
  'reinstallWordPress', 'reinstallBackoff', 'verifyReinstall', 'verifyReinstallBackoff', 'checkLiveAfterReinstall',
  'liveAfterReinstallBackoff', 'restoreSnapshot', 'restoreBackoff', 'checkLiveAfterRestore', 'liveAfterRestoreBackoff',
  'resizeContainer', 'resizeBackoff', 'resizeAfterRestore', 'resizeAfterRestoreBackoff',
];
const DOMAIN_INVOKE_IDS = [
  'certificateBackoff', 'createDnsZone', 'createDomainProxyHost', 'dnsZoneBackoff', 'domainProxyHostBackoff', 'issueCertificate',
  'removeDomain', 'removeDomainBackoff', 'verifyOwnership', 'verifyOwnershipBackoff',
];

for (const [name, machine, expectedIds] of [
  ['service', serviceMachine, SERVICE_INVOKE_IDS],
  ['domain', domainMachine, DOMAIN_INVOKE_IDS],
] as const) {
  describe(`the ${name} machine's structure`, () => {
    it('describes every state but the uniform running/waiting/done leaves of the retry pattern', () => {
      const missing = nodesOf(machine.root)
        .filter((node) => !isPatternLeaf(node))
        .filter((node) => typeof node.description !== 'string' || node.description.trim() === '')
        .map((node) => node.id);
      assert.deepEqual(missing, []);
    });

    it('gives every invoke an explicit id from the stable list', () => {
      const invokes = invokesOf(machine);
      for (const { state, id } of invokes) assert.ok(!id.startsWith('xstate.invoke'), `${state} has a generated invoke id ${id}`);
      assert.deepEqual(invokes.map((invoke) => invoke.id).sort(), [...expectedIds].sort());
    });

    it('invokes only actors named in setup({ actors }), by their string key', () => {
      const keys = Object.keys(machine.implementations.actors);
      for (const { state, src } of invokesOf(machine)) {
        assert.equal(typeof src, 'string', `${state} invokes inline logic`);
        assert.ok(keys.includes(src as string), `${state} invokes unknown actor ${String(src)}`);
      }
    });
  });
}
