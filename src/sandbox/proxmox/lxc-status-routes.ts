/**
 * `/nodes/{node}/lxc/{vmid}/status/…` (pve-container PVE/API2/LXC/Status.pm). Start, stop,
 * shutdown and reboot fail synchronously on the wrong running state and otherwise fork a
 * worker; for an HA-managed container start forks `hastart` and stop/shutdown fork `hastop`,
 * which only set the requested HA state and end OK at once: the CRM does the work later.
 */
import type { Container } from './cluster-state.js';
import { ctStatus } from './container-metrics.js';
import type { Params } from './param-validator.js';
import { apiDelay, type ProxmoxContext } from './proxmox-context.js';
import { paramError, pveDie } from './pve-errors.js';
import type { PveRoute, RouteContext } from './pve-route.js';

function rejectSkiplock(params: Params): void {
  if (params.skiplock === true) throw paramError({ skiplock: 'Only root may use this option.' });
}

export function lxcStatusRoutes(context: ProxmoxContext): PveRoute[] {
  const { cluster, tasks, power, ha } = context;
  const delayMs = apiDelay(context);
  const containerOf = (params: Params): Container => cluster.container(String(params.node), Number(params.vmid));
  const haManaged = (ct: Container): boolean => {
    const state = ha.requested(ct.vmid);
    return state !== undefined && state !== 'ignored';
  };
  const haRequest = (ct: Container, user: string, state: 'started' | 'stopped'): string =>
    tasks.fork(ct.node, state === 'started' ? 'hastart' : 'hastop', String(ct.vmid), user, async (task) => {
      task.log(`Requesting HA ${state === 'started' ? 'start' : 'stop'} for CT ${ct.vmid}`);
      ha.setRequested(ct.vmid, state);
    });

  const start = ({ params, user }: RouteContext): string => {
    rejectSkiplock(params);
    const ct = containerOf(params);
    if (cluster.isRunning(ct)) throw pveDie(`CT ${ct.vmid} already running`);
    return haManaged(ct) ? haRequest(ct, user, 'started') : power.forkStart(ct, user);
  };

  const stop = (kind: 'vzstop' | 'vzshutdown') => ({ params, user }: RouteContext): string => {
    rejectSkiplock(params);
    const ct = containerOf(params);
    if (!cluster.isRunning(ct)) throw pveDie(`CT ${ct.vmid} not running`);
    return haManaged(ct) ? haRequest(ct, user, 'stopped') : power.forkStop(ct, user, kind);
  };

  const reboot = ({ params, user }: RouteContext): string => {
    const ct = containerOf(params);
    if (!cluster.isRunning(ct)) throw pveDie(`VM ${ct.vmid} not running`); // sic, as pve-container says it
    return tasks.fork(ct.node, 'vzreboot', String(ct.vmid), user, async (task) => {
      await power.stop(ct, task, 'vzshutdown');
      await power.start(ct, task);
    });
  };

  return [
    {
      op: 'proxmox.lxc.status.current', method: 'GET', path: '/nodes/{node}/lxc/{vmid}/status/current', delayMs,
      handler: ({ params }) => ctStatus(cluster, ha, containerOf(params)),
    },
    { op: 'proxmox.lxc.status.start', method: 'POST', path: '/nodes/{node}/lxc/{vmid}/status/start', delayMs, handler: start },
    { op: 'proxmox.lxc.status.stop', method: 'POST', path: '/nodes/{node}/lxc/{vmid}/status/stop', delayMs, handler: stop('vzstop') },
    { op: 'proxmox.lxc.status.shutdown', method: 'POST', path: '/nodes/{node}/lxc/{vmid}/status/shutdown', delayMs, handler: stop('vzshutdown') },
    { op: 'proxmox.lxc.status.reboot', method: 'POST', path: '/nodes/{node}/lxc/{vmid}/status/reboot', delayMs, handler: reboot },
  ];
}
