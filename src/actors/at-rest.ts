/**
 * When a service is at rest: nothing would happen to it until a command arrives, so its actor
 * may be passivated (stopped, its committed snapshot kept) and woken from that snapshot on the
 * next command, exactly as a restart restores it.
 *
 * At rest means: a stable top-level state (`active`, `suspended`, `failed`); not tagged `busy`;
 * and no child actor but custom domains that are themselves at rest (no child of their own).
 * Every effect and every durable timer (`sleepUntil`, the only way the machines wait) is an
 * invoked child, so "no invoked child" is "no effect in flight, no deadline pending" — a
 * deadline left in `context.deadlines` without its `waiting` state is never awaited.
 * `pending` is not at rest: its `create` follows at once, or boot must start it.
 */
import type { AnyActorRef } from 'xstate';
import { domainChildId, topState } from '../machines/service.views.js';

const RESTING_STATES: ReadonlySet<string> = new Set(['active', 'suspended', 'failed']);
const DOMAIN_PREFIX = domainChildId('');

/** What this test reads of a machine snapshot, live or resolved. */
interface Reading {
  readonly status: string;
  readonly value: unknown;
  readonly children: Readonly<Record<string, AnyActorRef | undefined>>;
  hasTag(tag: string): boolean;
}

function childAtRest(id: string, child: AnyActorRef | undefined): boolean {
  if (child === undefined || !id.startsWith(DOMAIN_PREFIX)) return false;
  const snapshot = child.getSnapshot() as Partial<Reading>;
  return snapshot.status === 'active' && snapshot.hasTag?.('busy') !== true && Object.keys(snapshot.children ?? {}).length === 0;
}

export function isAtRest(snapshot: Reading): boolean {
  if (snapshot.status !== 'active' || snapshot.hasTag('busy')) return false;
  if (!RESTING_STATES.has(topState(snapshot.value))) return false;
  return Object.entries(snapshot.children).every(([id, child]) => childAtRest(id, child));
}
