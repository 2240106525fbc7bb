/** The text of `services show`: the API's service reply (src/server/wire.ts) for a person. */
import type { serviceToWire, transitionToWire } from '../server/wire.js';
import { formatBytes, formatDuration, formatFields, formatTable, formatTime } from './table.js';

/** The API's own reply shapes (type-only: nothing of the server is loaded by the CLI). */
export type WireService = ReturnType<typeof serviceToWire>;
export type WireTransition = ReturnType<typeof transitionToWire>;

interface WireContainer {
  readonly status: string;
  readonly node: string;
  readonly cpu: number;
  readonly memory: { readonly used_bytes: number; readonly total_bytes: number };
  readonly disk: { readonly used_bytes: number; readonly total_bytes: number };
  readonly uptime_seconds: number;
}

export interface ShowReply {
  readonly service: WireService;
  readonly container?: WireContainer | null;
  readonly container_error?: { readonly code: string; readonly message: string };
  readonly transitions: readonly WireTransition[];
}

const usage = (part: { used_bytes: number; total_bytes: number }): string => `${formatBytes(part.used_bytes)} / ${formatBytes(part.total_bytes)}`;

function containerLine(reply: ShowReply): string {
  if (reply.container_error !== undefined) return `unknown (${reply.container_error.code}: ${reply.container_error.message})`;
  const c = reply.container;
  if (c === undefined || c === null) return 'none';
  return `${c.status} on ${c.node}, cpu ${c.cpu.toFixed(2)}, memory ${usage(c.memory)}, disk ${usage(c.disk)}, up ${formatDuration(c.uptime_seconds)}`;
}

export function describeService(reply: ShowReply): string {
  const s = reply.service;
  const failure = s.failure === null ? undefined : `${s.failure.phase}/${s.failure.step} ${s.failure.code}: ${s.failure.message} (${formatTime(s.failure.at)})`;
  const fields = formatFields([
    ['service', s.service_id],
    ['state', `${s.state}${s.step === null ? '' : ` (step ${s.step})`}${s.busy ? ', busy' : ''}; desired ${s.desired}`],
    ['fqdn', s.fqdn],
    ['plan', s.plan],
    ['email', s.email],
    ['vmid', String(s.vmid)],
    ['private ip', s.private_ip],
    ['public ip', s.public_ip],
    ['snapshot', s.initial_snapshot ? 'initial' : 'none'],
    ['container', containerLine(reply)],
    ['failure', failure],
    ['last error', s.last_error === null ? undefined : `${s.last_error.code}: ${s.last_error.message}`],
    ['created', `${formatTime(s.created_at)} UTC`],
    ['updated', `${formatTime(s.updated_at)} UTC`],
  ]);
  const domains =
    s.domains.length === 0
      ? `\ncustom domains: none (quota ${s.domain_quota})\n`
      : `\ncustom domains (${s.domains.length} of ${s.domain_quota}):\n${formatTable(['DOMAIN', 'STATE', 'ERROR'], s.domains.map((d) => [d.domain, d.state, d.error === null ? '' : `${d.error.code}: ${d.error.message}`]))}`;
  const transitions = `\nlast ${reply.transitions.length} transitions:\n${transitionsTable(reply.transitions)}`;
  return `${fields}${domains}${transitions}`;
}

/** Each row's state is the next row's starting point, so the table shows where each transition led. */
export function transitionsTable(transitions: readonly WireTransition[]): string {
  const rows = transitions.map((t) => [String(t.seq), formatTime(t.at), t.event, t.to, t.error === null ? '' : `${t.error.code}: ${t.error.message}`]);
  return formatTable(['SEQ', 'AT (UTC)', 'EVENT', 'STATE', 'ERROR'], rows);
}
