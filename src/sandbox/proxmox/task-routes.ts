/**
 * `/nodes/{node}/tasks…` and `/cluster/tasks` (pve-manager PVE/API2/Tasks.pm). A UPID is only
 * known on the node that ran it: anywhere else, or when it does not parse, the answer is a 400
 * with `errors.upid` (`no such task` / `unable to parse worker upid`).
 */
import type { Params } from './param-validator.js';
import { apiDelay, type ProxmoxContext } from './proxmox-context.js';
import { paramError } from './pve-errors.js';
import { Counted, type PveRoute } from './pve-route.js';
import { parseUpid, type Task } from './task-registry.js';

function summary(task: Task): Record<string, unknown> {
  const base: Record<string, unknown> = {
    upid: task.upid, node: task.node, pid: task.pid, pstart: task.pstart, starttime: task.starttime, type: task.type, id: task.id, user: task.user,
  };
  if (task.status === 'stopped') Object.assign(base, { status: task.exitstatus, endtime: task.endtime });
  return base;
}

function statusClass(task: Task): string {
  if (task.exitstatus === 'OK') return 'ok';
  if (task.exitstatus?.startsWith('WARNINGS') === true) return 'warning';
  return task.exitstatus === undefined ? 'unknown' : 'error';
}

export function taskRoutes(context: ProxmoxContext): PveRoute[] {
  const { tasks } = context;
  const delayMs = apiDelay(context);

  const taskOf = (params: Params): Task => {
    const upid = String(params.upid);
    if (parseUpid(upid) === undefined) throw paramError({ upid: 'unable to parse worker upid' });
    const task = tasks.get(upid);
    if (task === undefined || task.node !== params.node) throw paramError({ upid: 'no such task' });
    return task;
  };

  const list = ({ params }: { params: Params }): Counted => {
    const source = String(params.source ?? 'archive');
    const statuses = typeof params.statusfilter === 'string' ? params.statusfilter.split(/[,;\s]+/) : undefined;
    const matching = tasks
      .list()
      .filter((t) => t.node === params.node)
      .filter((t) => (source === 'all' ? true : source === 'active' ? t.status === 'running' : t.status === 'stopped'))
      .filter((t) => params.vmid === undefined || t.id === String(params.vmid))
      .filter((t) => params.typefilter === undefined || t.type === params.typefilter)
      .filter((t) => params.userfilter === undefined || t.user.includes(String(params.userfilter)))
      .filter((t) => params.errors !== true || (t.exitstatus !== undefined && t.exitstatus !== 'OK'))
      .filter((t) => statuses === undefined || statuses.includes(statusClass(t)))
      .filter((t) => params.since === undefined || t.starttime >= Number(params.since))
      .filter((t) => params.until === undefined || t.starttime <= Number(params.until))
      .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid);
    const start = Number(params.start ?? 0);
    const limit = Number(params.limit ?? 50);
    return new Counted(matching.slice(start, start + limit).map(summary), matching.length);
  };

  return [
    { op: 'proxmox.tasks.list', method: 'GET', path: '/nodes/{node}/tasks', delayMs, handler: list },
    {
      op: 'proxmox.tasks.index', method: 'GET', path: '/nodes/{node}/tasks/{upid}', delayMs,
      handler: ({ params }) => (taskOf(params), [{ name: 'log' }, { name: 'status' }]),
    },
    {
      op: 'proxmox.tasks.stop', method: 'DELETE', path: '/nodes/{node}/tasks/{upid}', delayMs,
      handler: ({ params }) => {
        tasks.stop(taskOf(params).upid);
        return null;
      },
    },
    {
      op: 'proxmox.tasks.status', method: 'GET', path: '/nodes/{node}/tasks/{upid}/status', delayMs,
      handler: ({ params }) => {
        const task = taskOf(params);
        const status: Record<string, unknown> = { ...summary(task), status: task.status };
        delete status.endtime;
        if (task.exitstatus !== undefined) status.exitstatus = task.exitstatus;
        return status;
      },
    },
    {
      op: 'proxmox.tasks.log', method: 'GET', path: '/nodes/{node}/tasks/{upid}/log', delayMs,
      handler: ({ params }) => {
        const task = taskOf(params);
        const start = Number(params.start ?? 0);
        const limit = Number(params.limit ?? 50);
        const lines = task.log.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
        return new Counted(lines, task.log.length);
      },
    },
    {
      op: 'proxmox.cluster.tasks', method: 'GET', path: '/cluster/tasks', delayMs,
      handler: () => tasks.list().sort((a, b) => b.starttime - a.starttime || b.pid - a.pid).slice(0, 2000).map(summary),
    },
  ];
}
