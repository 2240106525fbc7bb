/**
 * `/nodes/{node}/lxc/{vmid}/snapshot…` (pve-container PVE/API2/LXC/Snapshot.pm with
 * pve-guest-common's AbstractConfig). Only the reserved names are refused synchronously; the
 * rest (missing config, locks, name in use, storage without snapshots) fails inside the
 * worker, as the real API forks first. A snapshot keeps a copy of the root filesystem (the
 * world's `files`): rollback restores it, hard-stopping a running container first and
 * starting it again only with `start=1`.
 */
import type { Container, Snapshot } from './cluster-state.js';
import type { Params } from './param-validator.js';
import { apiDelay, type ProxmoxContext } from './proxmox-context.js';
import { pveDie } from './pve-errors.js';
import type { PveRoute, RouteContext } from './pve-route.js';
import type { TaskContext } from './task-registry.js';

export function snapshotRoutes(context: ProxmoxContext): PveRoute[] {
  const { cluster, tasks, power, latency } = context;
  const delayMs = apiDelay(context);
  const containerOf = (params: Params): Container => cluster.container(String(params.node), Number(params.vmid));

  const snapshotOf = (ct: Container, name: string): Snapshot => {
    const snapshot = ct.snapshots.get(name);
    if (snapshot === undefined) throw pveDie(`snapshot '${name}' does not exist`);
    return snapshot;
  };

  /** Fork a worker that takes `lock` for its whole run and always gives it back. */
  const locked = (params: Params, user: string, type: string, lock: string, body: (ct: Container, task: TaskContext) => Promise<void>): string => {
    const node = String(params.node);
    const vmid = Number(params.vmid);
    return tasks.fork(node, type, String(vmid), user, async (task) => {
      const ct = cluster.container(node, vmid);
      cluster.checkLock(ct);
      ct.lock = lock;
      try {
        await body(ct, task);
      } finally {
        if (ct.lock === lock) cluster.unlock(ct);
      }
    });
  };

  const create = ({ params, user }: RouteContext): string => {
    const name = String(params.snapname);
    if (name === 'current' || name === 'vzdump') throw pveDie(`unable to use snapshot name '${name}' (reserved name)`);
    const description = typeof params.description === 'string' ? params.description : '';
    const node = String(params.node);
    const vmid = Number(params.vmid);
    // The name and the feature are checked before the lock is taken (snapshot_prepare).
    return tasks.fork(node, 'vzsnapshot', String(vmid), user, async (task) => {
      const ct = cluster.container(node, vmid);
      if (ct.snapshots.has(name)) throw pveDie(`snapshot name '${name}' already used`);
      cluster.checkLock(ct);
      if (!cluster.canSnapshot(ct)) throw pveDie('snapshot feature is not available');
      ct.lock = 'snapshot';
      // The copy is taken when the container is frozen, at the start of the worker.
      const snapshot: Snapshot = {
        name, description, snaptime: Math.floor(cluster.now() / 1000), config: { ...ct.config }, files: new Map(ct.world.files),
        ...(ct.parent === undefined ? {} : { parent: ct.parent }),
      };
      try {
        task.log(`create snapshot '${name}'`);
        await task.sleep(latency.ms('proxmox.task.vzsnapshot'));
        ct.snapshots.set(name, snapshot);
        ct.parent = name;
      } finally {
        cluster.unlock(ct);
      }
    });
  };

  const remove = ({ params, user }: RouteContext): string =>
    locked(params, user, 'vzdelsnapshot', 'snapshot-delete', async (ct, task) => {
      const name = String(params.snapname);
      const snapshot = snapshotOf(ct, name);
      task.log(`delete snapshot '${name}'`);
      await task.sleep(latency.ms('proxmox.task.vzdelsnapshot'));
      for (const child of ct.snapshots.values()) if (child.parent === name) child.parent = snapshot.parent;
      if (ct.parent === name) ct.parent = snapshot.parent;
      ct.snapshots.delete(name);
    });

  const rollback = ({ params, user }: RouteContext): string =>
    locked(params, user, 'vzrollback', 'rollback', async (ct, task) => {
      const name = String(params.snapname);
      const snapshot = snapshotOf(ct, name);
      if (cluster.isRunning(ct)) await power.stop(ct, task, 'vzstop', { checkLock: false });
      task.log(`rollback to snapshot '${name}'`);
      await task.sleep(latency.ms('proxmox.task.vzrollback'));
      ct.config = { ...snapshot.config };
      ct.parent = name;
      ct.world.files.clear();
      for (const [path, content] of snapshot.files) ct.world.files.set(path, content);
      power.syncWorld(ct);
      cluster.world.containerChanged(ct.vmid);
      if (params.start === true) {
        cluster.unlock(ct);
        await power.start(ct, task);
      }
    });

  return [
    {
      op: 'proxmox.lxc.snapshot.list', method: 'GET', path: '/nodes/{node}/lxc/{vmid}/snapshot', delayMs,
      handler: ({ params }) => {
        const ct = containerOf(params);
        const entries: Record<string, unknown>[] = [...ct.snapshots.values()].map((s) => ({
          name: s.name, description: s.description, snaptime: s.snaptime, ...(s.parent === undefined ? {} : { parent: s.parent }),
        }));
        entries.push({
          name: 'current', description: 'You are here!', running: cluster.isRunning(ct) ? 1 : 0, digest: cluster.digest(ct),
          ...(ct.parent === undefined ? {} : { parent: ct.parent }),
        });
        return entries;
      },
    },
    { op: 'proxmox.lxc.snapshot.create', method: 'POST', path: '/nodes/{node}/lxc/{vmid}/snapshot', delayMs, handler: create },
    { op: 'proxmox.lxc.snapshot.delete', method: 'DELETE', path: '/nodes/{node}/lxc/{vmid}/snapshot/{snapname}', delayMs, handler: remove },
    { op: 'proxmox.lxc.snapshot.rollback', method: 'POST', path: '/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/rollback', delayMs, handler: rollback },
    {
      op: 'proxmox.lxc.snapshot.config', method: 'GET', path: '/nodes/{node}/lxc/{vmid}/snapshot/{snapname}/config', delayMs,
      handler: ({ params }) => {
        const snapshot = snapshotOf(containerOf(params), String(params.snapname));
        return { ...snapshot.config, snaptime: snapshot.snaptime, description: snapshot.description, ...(snapshot.parent === undefined ? {} : { parent: snapshot.parent }) };
      },
    },
  ];
}
