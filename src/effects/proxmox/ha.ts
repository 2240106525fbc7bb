/**
 * HA for a container: the resource `ct:<vmid>` (restart/relocate limits, comment marker) and
 * where it may run — a PVE 9 node-affinity rule, or on PVE 8 (which answers the rules path
 * with 501) the shared HA group `provisiond`. A resource must exist before a rule names it,
 * and a resource may sit in one node-affinity rule only (NOTES §11).
 */
import { AppError } from '../../errors.js';
import { apiPath, type ProxmoxClient } from './client.js';
import { isConflict, isMissing, isNotImplemented, notOurs } from './errors.js';
import { carriesMarker, HA_GROUP, haRuleId, haSid, marker, OWNER_TAG } from './ownership.js';

type Record_ = Readonly<Record<string, unknown>>;

export const HA_LIMITS = { max_restart: 3, max_relocate: 2 } as const;

/** A comma list compared as a set; for node lists the `:priority` suffix is dropped. */
const sortedList = (value: unknown, dropPriority = false): string =>
  String(value ?? '').split(',').map((s) => (dropPriority ? (s.split(':', 1)[0] ?? '') : s).trim()).filter((s) => s !== '').sort().join(',');

export class Ha {
  constructor(
    private readonly client: ProxmoxClient,
    private readonly nodes: readonly string[],
  ) {}

  /** A GET that answers null for "no such …". */
  private async find(path: string, signal?: AbortSignal): Promise<Record_ | null> {
    try {
      return await this.client.request<Record_>('GET', path, undefined, signal);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  resource(vmid: number, signal?: AbortSignal): Promise<Record_ | null> {
    return this.find(apiPath`/cluster/ha/resources/${haSid(vmid)}`, signal);
  }

  /** The resource, created `started` with our limits, or adopted with its drift fixed. */
  async ensureResource(vmid: number, serviceId: string, signal?: AbortSignal, raced = false): Promise<void> {
    const sid = haSid(vmid);
    const existing = await this.resource(vmid, signal);
    if (existing === null) {
      try {
        await this.client.request('POST', '/cluster/ha/resources', { sid, state: 'started', ...HA_LIMITS, comment: marker(serviceId) }, signal);
      } catch (error) {
        // Defined between our look and our create (a parallel run?): look once more.
        if (raced || !isConflict(error)) throw error;
        await this.ensureResource(vmid, serviceId, signal, true);
      }
      return;
    }
    if (!carriesMarker(existing.comment, serviceId)) throw notOurs(`HA resource ${sid}`, serviceId);
    const drift: Record<string, string | number> = {};
    if (Number(existing.max_restart) !== HA_LIMITS.max_restart) drift.max_restart = HA_LIMITS.max_restart;
    if (Number(existing.max_relocate) !== HA_LIMITS.max_relocate) drift.max_relocate = HA_LIMITS.max_relocate;
    if (String(existing.state ?? 'started') !== 'started') drift.state = 'started';
    if (Object.keys(drift).length === 0) return;
    const digest = typeof existing.digest === 'string' ? existing.digest : undefined;
    await this.client.request('PUT', apiPath`/cluster/ha/resources/${sid}`, { ...drift, digest }, signal);
  }

  /** Node affinity: a PVE 9 rule, or the PVE 8 group when the server has no rules API. */
  async ensurePlacement(vmid: number, serviceId: string, signal?: AbortSignal, raced = false): Promise<'rule' | 'group'> {
    let rule: Record_ | null;
    try {
      rule = await this.find(apiPath`/cluster/ha/rules/${haRuleId(vmid)}`, signal);
    } catch (error) {
      if (!isNotImplemented(error)) throw error;
      await this.ensureGroup(vmid, signal);
      return 'group';
    }
    const nodes = [...this.nodes].sort().join(',');
    const sid = haSid(vmid);
    if (rule === null) {
      try {
        await this.client.request('POST', '/cluster/ha/rules', { type: 'node-affinity', rule: haRuleId(vmid), resources: sid, nodes, comment: marker(serviceId) }, signal);
      } catch (error) {
        if (raced || !isConflict(error)) throw error;
        return this.ensurePlacement(vmid, serviceId, signal, true);
      }
      return 'rule';
    }
    if (!carriesMarker(rule.comment, serviceId)) throw notOurs(`HA rule ${haRuleId(vmid)}`, serviceId);
    if (sortedList(rule.resources) !== sid || sortedList(rule.nodes, true) !== nodes) {
      const digest = typeof rule.digest === 'string' ? rule.digest : undefined;
      await this.client.request('PUT', apiPath`/cluster/ha/rules/${haRuleId(vmid)}`, { type: 'node-affinity', resources: sid, nodes, digest }, signal);
    }
    return 'rule';
  }

  /** PVE 8: one shared group of our nodes, and the resource put into it. */
  private async ensureGroup(vmid: number, signal?: AbortSignal): Promise<void> {
    try {
      const group = await this.find(apiPath`/cluster/ha/groups/${HA_GROUP}`, signal);
      if (group === null) {
        await this.client.request('POST', '/cluster/ha/groups', { group: HA_GROUP, nodes: this.nodes.join(','), comment: OWNER_TAG }, signal);
      } else if (!String(group.comment ?? '').includes(OWNER_TAG)) {
        throw notOurs(`HA group ${HA_GROUP}`, 'any');
      }
      await this.client.request('PUT', apiPath`/cluster/ha/resources/${haSid(vmid)}`, { group: HA_GROUP }, signal);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      throw new AppError(error.code, `the server has no HA rules API (PVE 8?) and the HA group fallback failed: ${error.message}`, {
        system: 'proxmox', retryable: error.retryable, details: { ...error.details, fallback: 'groups' }, cause: error,
      });
    }
  }

  /** Drop our rule and resource; refuses (before changing anything) when either is not ours. */
  async remove(vmid: number, serviceId: string, signal?: AbortSignal): Promise<void> {
    const sid = haSid(vmid);
    const resource = await this.resource(vmid, signal);
    if (resource !== null && !carriesMarker(resource.comment, serviceId)) throw notOurs(`HA resource ${sid}`, serviceId);
    let rule: Record_ | null = null;
    try {
      rule = await this.find(apiPath`/cluster/ha/rules/${haRuleId(vmid)}`, signal);
    } catch (error) {
      if (!isNotImplemented(error)) throw error; // PVE 8: the shared group stays
    }
    if (rule !== null && !carriesMarker(rule.comment, serviceId)) throw notOurs(`HA rule ${haRuleId(vmid)}`, serviceId);
    if (rule !== null) await this.client.request('DELETE', apiPath`/cluster/ha/rules/${haRuleId(vmid)}`, undefined, signal);
    if (resource === null) return;
    try {
      await this.client.request('DELETE', apiPath`/cluster/ha/resources/${sid}`, undefined, signal);
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
}
