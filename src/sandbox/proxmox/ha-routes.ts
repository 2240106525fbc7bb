/**
 * `/cluster/ha/resources…`, `/cluster/ha/rules…` (PVE 9) and `/cluster/ha/status/current`
 * (pve-ha-manager PVE/API2/HA/*.pm). Writes run inside the `domain-ha` cluster lock, so their
 * failures read `<what> failed: error with cfs lock 'domain-ha': <reason>` (lock_ha_domain
 * plus cfs_lock); an infeasible rule's exception is stringified on the same path, which makes
 * it a 500 carrying `400 Rule '<id>' is invalid.` and its per-property lines.
 * HA writes are the workflow's "HA configuration: 5–10 s": each takes half a `proxmox.ha`.
 */
import { MISSING_PROPERTY, NOT_IN_SCHEMA } from './param-validator.js';
import type { Params } from './param-validator.js';
import { type ProxmoxContext } from './proxmox-context.js';
import { paramError, pveDie } from './pve-errors.js';
import { splitList } from './pve-formats.js';
import type { PveRoute } from './pve-route.js';
import type { HaOptions, HaRule } from './ha-manager.js';

const RESOURCE_KEYS = ['state', 'max_restart', 'max_relocate', 'failback', 'comment', 'group'];
const RULE_KEYS = ['resources', 'nodes', 'strict', 'affinity', 'comment', 'disable'];

function pick(params: Params, keys: readonly string[]): HaOptions {
  const options: HaOptions = {};
  for (const key of keys) {
    const value = params[key];
    if (value !== undefined) options[key] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  return options;
}

function without(options: HaOptions, keys: readonly string[]): HaOptions {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !keys.includes(key)));
}

const inLock = (what: string, reason: string): Error => pveDie(`${what} failed: error with cfs lock 'domain-ha': ${reason}`);

export function haRoutes(context: ProxmoxContext): PveRoute[] {
  const { cluster, ha } = context;
  const delayMs = context.latency.ms('proxmox.ha') / 2;
  const readDelay = context.latency.ms('proxmox.api');

  /** PVE::HA::Config::parse_sid: `ct:N`, `vm:N`, or a bare VMID looked up in the cluster. */
  const parseSid = (raw: string): { sid: string; type: string; vmid: number } => {
    const bare = /^(\d+)$/.exec(raw);
    if (bare !== null) {
      const vmid = Number(bare[1]);
      if (!cluster.containers.has(vmid)) throw pveDie(`unable do detect SID from VMID - VM/CT ${vmid} does not exist`);
      return { sid: `ct:${vmid}`, type: 'ct', vmid };
    }
    const [type = '', id = ''] = raw.split(':');
    return { sid: raw, type, vmid: Number(id) };
  };

  const resourceView = (sid: string): Record<string, unknown> => {
    const resource = ha.resources.get(sid);
    if (resource === undefined) throw pveDie(`no such resource '${sid}'`);
    return { sid, type: 'ct', ...resource.options, digest: ha.resourcesDigest() };
  };

  const ruleView = (rule: HaRule): Record<string, unknown> => ({
    rule: rule.rule, type: rule.type, ...(rule.type === 'node-affinity' ? { strict: 0 } : {}), ...rule.options, digest: ha.rulesDigest(), order: rule.order,
  });

  /** The checks create and update share: known resources and nodes, then feasibility. */
  const checkRule = (what: string, rule: HaRule): void => {
    const resources = splitList(String(rule.options.resources ?? ''));
    const unmanaged = resources.filter((sid) => !ha.resources.has(sid)).sort();
    if (unmanaged.length > 0) throw inLock(what, `cannot use unmanaged resource(s) ${unmanaged.join(', ')}.`);
    const nodes = splitList(String(rule.options.nodes ?? '')).map((n) => n.split(':', 1)[0] ?? n);
    const unknown = nodes.filter((n) => !cluster.nodes.includes(n)).sort();
    if (unknown.length > 0) throw inLock(what, `cannot use non-existant node(s) ${unknown.join(', ')}.`);
    const problems: string[] = [];
    if (rule.type === 'node-affinity' && rule.options.disable !== 1) {
      for (const other of ha.rules.values()) {
        if (other.rule === rule.rule || other.type !== 'node-affinity' || other.options.disable === 1) continue;
        const taken = splitList(String(other.options.resources ?? ''));
        for (const sid of resources) if (taken.includes(sid)) problems.push(`resource '${sid}' is already used in another node affinity rule`);
      }
    }
    if (rule.type === 'resource-affinity' && resources.length < 2) problems.push('rule is ineffective as there are less than two resources');
    if (problems.length > 0) throw pveDie(`${what} failed: 400 Rule '${rule.rule}' is invalid.\nresources: ${problems.join(', ')}`);
  };

  /** check_config: properties that belong to the other rule type, and type-specific required ones. */
  const checkRuleType = (type: string, params: Params, creating: boolean): void => {
    const errors: Record<string, string> = {};
    if (type === 'resource-affinity') {
      for (const key of ['nodes', 'strict']) if (params[key] !== undefined) errors[key] = NOT_IN_SCHEMA;
      if (creating && params.affinity === undefined) errors.affinity = MISSING_PROPERTY;
    } else if (creating && params.nodes === undefined) {
      errors.nodes = MISSING_PROPERTY;
    }
    if (Object.keys(errors).length > 0) throw paramError(errors);
  };

  const normaliseRule = (options: HaOptions): HaOptions => {
    const next = { ...options };
    if (next.resources !== undefined) next.resources = [...new Set(splitList(String(next.resources)))].sort().join(',');
    if (next.nodes !== undefined) next.nodes = [...new Set(splitList(String(next.nodes)))].sort().join(',');
    return next;
  };

  const checkDigest = (digest: unknown, current: string): void => {
    if (typeof digest === 'string' && digest !== current) throw pveDie('detected modified configuration - file changed by other user? Try again.');
  };

  return [
    {
      op: 'proxmox.ha.resources.list', method: 'GET', path: '/cluster/ha/resources', delayMs: readDelay,
      handler: ({ params }) => [...ha.resources.keys()].filter((sid) => params.type === undefined || sid.startsWith(`${String(params.type)}:`)).map(resourceView),
    },
    {
      op: 'proxmox.ha.resources.create', method: 'POST', path: '/cluster/ha/resources', delayMs,
      handler: ({ params }) => {
        const { sid, type, vmid } = parseSid(String(params.sid));
        if (params.type !== undefined && params.type !== type) throw pveDie('types does not match');
        if (type !== 'ct' || !cluster.containers.has(vmid)) throw pveDie(`resource '${sid}' does not exist in cluster`);
        if (params.group !== undefined) throw pveDie(`HA group '${String(params.group)}' does not exist`);
        if (ha.resources.has(sid)) throw inLock('create resource', `resource ID '${sid}' already defined`);
        ha.add({ sid, vmid, options: pick(params, RESOURCE_KEYS) });
        return null;
      },
    },
    {
      op: 'proxmox.ha.resources.get', method: 'GET', path: '/cluster/ha/resources/{sid}', delayMs: readDelay,
      handler: ({ params }) => resourceView(parseSid(String(params.sid)).sid),
    },
    {
      op: 'proxmox.ha.resources.update', method: 'PUT', path: '/cluster/ha/resources/{sid}', delayMs,
      handler: ({ params }) => {
        const { sid, vmid } = parseSid(String(params.sid));
        if (params.group !== undefined) throw pveDie(`HA group '${String(params.group)}' does not exist`);
        if (ha.resources.has(sid) && ha.inError(vmid) && params.state !== 'disabled') {
          throw pveDie(`service '${sid}' in error state, must be disabled and fixed first`);
        }
        checkDigest(params.digest, ha.resourcesDigest());
        const resource = ha.resources.get(sid);
        if (resource === undefined) throw inLock('update resource', `no such resource '${sid}'`);
        const deletions = typeof params.delete === 'string' ? splitList(params.delete) : [];
        const unknown = deletions.find((key) => !RESOURCE_KEYS.includes(key));
        if (unknown !== undefined) throw inLock('update resource', `no such option '${unknown}'`);
        const options = without({ ...resource.options, ...pick(params, RESOURCE_KEYS) }, deletions);
        resource.options = options;
        ha.setRequested(vmid, String(options.state ?? 'started'));
        return null;
      },
    },
    {
      op: 'proxmox.ha.resources.delete', method: 'DELETE', path: '/cluster/ha/resources/{sid}', delayMs,
      handler: ({ params }) => {
        const { sid } = parseSid(String(params.sid));
        if (!ha.resources.has(sid)) throw pveDie(`resource '${sid}' is not HA managed`);
        ha.remove(sid, params.purge !== false);
        return null;
      },
    },
    {
      op: 'proxmox.ha.rules.list', method: 'GET', path: '/cluster/ha/rules', delayMs: readDelay,
      handler: ({ params }) =>
        [...ha.rules.values()]
          .filter((r) => params.type === undefined || r.type === params.type)
          .filter((r) => params.resource === undefined || splitList(String(r.options.resources ?? '')).includes(String(params.resource)))
          .sort((a, b) => a.order - b.order)
          .map(ruleView),
    },
    {
      op: 'proxmox.ha.rules.create', method: 'POST', path: '/cluster/ha/rules', delayMs,
      handler: ({ params }) => {
        const type = String(params.type);
        const id = String(params.rule);
        checkRuleType(type, params, true);
        if (ha.rules.has(id)) throw inLock('create ha rule', `HA rule '${id}' already defined`);
        const rule: HaRule = { rule: id, type, options: normaliseRule(pick(params, RULE_KEYS)), order: ha.nextRuleOrder() };
        checkRule('create ha rule', rule);
        ha.rules.set(id, rule);
        return null;
      },
    },
    {
      op: 'proxmox.ha.rules.get', method: 'GET', path: '/cluster/ha/rules/{rule}', delayMs: readDelay,
      handler: ({ params }) => {
        const rule = ha.rules.get(String(params.rule));
        if (rule === undefined) throw pveDie(`no such ha rule '${String(params.rule)}'`);
        return ruleView(rule);
      },
    },
    {
      op: 'proxmox.ha.rules.update', method: 'PUT', path: '/cluster/ha/rules/{rule}', delayMs,
      handler: ({ params }) => {
        const id = String(params.rule);
        checkDigest(params.digest, ha.rulesDigest());
        const rule = ha.rules.get(id);
        if (rule === undefined) throw inLock('update HA rules', `HA rule '${id}' does not exist`);
        checkRuleType(rule.type, params, false);
        const deletions = typeof params.delete === 'string' ? splitList(params.delete) : [];
        const options = without(normaliseRule({ ...rule.options, ...pick(params, RULE_KEYS) }), deletions);
        const next: HaRule = { ...rule, options };
        checkRule('update HA rules', next);
        ha.rules.set(id, next);
        return null;
      },
    },
    {
      op: 'proxmox.ha.rules.delete', method: 'DELETE', path: '/cluster/ha/rules/{rule}', delayMs,
      handler: ({ params }) => {
        ha.rules.delete(String(params.rule));
        return null;
      },
    },
    {
      op: 'proxmox.ha.status.current', method: 'GET', path: '/cluster/ha/status/current', delayMs: readDelay,
      handler: () => {
        const timestamp = Math.floor(cluster.now() / 1000);
        const [master = ''] = cluster.nodes;
        const services = [...ha.resources.values()].flatMap((r) => {
          const ct = cluster.containers.get(r.vmid);
          if (ct === undefined) return [];
          const state = ha.serviceState(r.vmid) ?? 'stopped';
          return [{
            id: `service:${r.sid}`, type: 'service', sid: r.sid, node: ct.node, state, crm_state: state, request_state: ha.requested(r.vmid), status: state,
            max_restart: Number(r.options.max_restart ?? 1), max_relocate: Number(r.options.max_relocate ?? 1), failback: Number(r.options.failback ?? 1),
          }];
        });
        const activeOn = new Set(services.map((s) => s.node));
        return [
          { id: 'quorum', type: 'quorum', node: master, status: 'OK', quorate: 1 },
          { id: 'master', type: 'master', node: master, status: `${master} (${services.length > 0 ? 'active' : 'idle'}, ${new Date(timestamp * 1000).toUTCString()})`, timestamp },
          ...cluster.nodes.map((node) => ({ id: `lrm:${node}`, type: 'lrm', node, status: `${node} (${activeOn.has(node) ? 'active' : 'idle'}, ${new Date(timestamp * 1000).toUTCString()})`, timestamp })),
          ...services,
        ];
      },
    },
  ];
}
