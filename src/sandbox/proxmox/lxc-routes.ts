/**
 * `/nodes/{node}/lxc…`: list, create (`vzcreate`, holding `lock: create` while it runs),
 * the directory index, destroy (`vzdestroy`, with `force`, `purge` and the HA rule), config
 * read/update, interfaces and the feature probe (pve-container PVE/API2/LXC.pm).
 */
import type { WorldContainer } from '../core/world.js';
import type { Container } from './cluster-state.js';
import { applyConfigUpdate, buildCreateConfig, ipOf } from './container-config.js';
import { ctMetrics } from './container-metrics.js';
import type { Params } from './param-validator.js';
import { apiDelay, type ProxmoxContext } from './proxmox-context.js';
import { pveDie } from './pve-errors.js';
import type { PveRoute } from './pve-route.js';

const target = (params: Params): { node: string; vmid: number } => ({ node: String(params.node), vmid: Number(params.vmid) });

function initialFiles(hostname: string): Map<string, string> {
  return new Map([
    ['/etc/hostname', `${hostname}\n`],
    ['/etc/os-release', 'PRETTY_NAME="Ubuntu 24.04 LTS"\nNAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\n'],
  ]);
}

export function lxcRoutes(context: ProxmoxContext): PveRoute[] {
  const { cluster, tasks, power, ha, latency } = context;
  const delayMs = apiDelay(context);

  const create = ({ params, user }: { params: Params; user: string }): string => {
    const { node, vmid } = target(params);
    const existing = cluster.containers.get(vmid);
    if (existing !== undefined) throw pveDie(`CT ${vmid} already exists on node '${existing.node}'`);
    if (params.pool !== undefined) throw pveDie(`pool '${String(params.pool)}' does not exist`);
    const config = buildCreateConfig(cluster, params);
    const hostname = String(config.hostname);
    const world: WorldContainer = { vmid, node, status: 'stopped', ip: ipOf(config.net0), hostname, files: initialFiles(hostname) };
    const ct: Container = { vmid, node, config, lock: 'create', snapshots: new Map(), world };
    cluster.containers.set(vmid, ct);
    cluster.world.containers.set(vmid, world);
    cluster.world.containerChanged(vmid);
    const template = String(params.ostemplate).replace(/^[^:]+:vztmpl\//, '');
    return tasks.fork(node, 'vzcreate', String(vmid), user, async (task) => {
      try {
        task.log(`extracting archive '/var/lib/vz/template/cache/${template}'`);
        await task.sleep(latency.ms('proxmox.task.vzcreate'));
        task.log('Total bytes read: 528087040 (504MiB, 171MiB/s)');
        task.log('Detected container architecture: amd64');
        task.log("Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...");
        cluster.unlock(ct);
      } catch (error) {
        // The worker removes what it allocated when extraction fails (NOTES §6).
        cluster.containers.delete(vmid);
        cluster.world.containers.delete(vmid);
        cluster.world.containerChanged(vmid);
        throw error;
      }
      if (params.start === true) await power.start(ct, task);
      if (params['ha-managed'] === true) {
        ha.add({ sid: `ct:${vmid}`, vmid, options: { state: params.start === true ? 'started' : 'stopped' } });
        task.log(`added CT ${vmid} as HA resource 'ct:${vmid}'`);
      }
    });
  };

  const destroy = ({ params, user }: { params: Params; user: string }): string => {
    const { node, vmid } = target(params);
    const ct = cluster.container(node, vmid);
    cluster.checkLock(ct);
    if (ct.config.protection === 1) throw pveDie(`can't remove CT ${vmid} - protection mode enabled`);
    const sid = `ct:${vmid}`;
    if (ha.resources.has(sid) && params.purge !== true) {
      throw pveDie(`unable to remove CT ${vmid} - used in HA resources and purge parameter not set.`);
    }
    if (cluster.isRunning(ct) && params.force !== true) throw pveDie(`unable to destroy CT ${vmid} - container is running`);
    return tasks.fork(node, 'vzdestroy', String(vmid), user, async (task) => {
      ct.lock = 'destroyed';
      try {
        if (cluster.isRunning(ct)) await power.stop(ct, task, 'vzstop', { checkLock: false });
        await task.sleep(latency.ms('proxmox.task.vzdestroy'));
      } catch (error) {
        cluster.unlock(ct);
        throw error;
      }
      if (params.purge === true) ha.remove(sid, true);
      task.log(`destroyed CT ${vmid}`);
      cluster.containers.delete(vmid);
      cluster.world.containers.delete(vmid);
      cluster.world.containerChanged(vmid);
    });
  };

  return [
    {
      op: 'proxmox.lxc.list', method: 'GET', path: '/nodes/{node}/lxc', delayMs,
      handler: ({ params }) =>
        [...cluster.containers.values()]
          .filter((ct) => ct.node === params.node)
          .map((ct) => ({
            vmid: ct.vmid, name: String(ct.config.hostname), type: 'lxc', status: cluster.isRunning(ct) ? 'running' : 'stopped',
            ...ctMetrics(cluster, ct), ...(ct.lock === undefined ? {} : { lock: ct.lock }), ...(ct.config.tags === undefined ? {} : { tags: ct.config.tags }),
          })),
    },
    { op: 'proxmox.lxc.create', method: 'POST', path: '/nodes/{node}/lxc', delayMs, handler: create },
    {
      op: 'proxmox.lxc.index', method: 'GET', path: '/nodes/{node}/lxc/{vmid}', delayMs,
      handler: ({ params }) => {
        const { node, vmid } = target(params);
        cluster.container(node, vmid);
        return ['config', 'pending', 'status', 'vncproxy', 'termproxy', 'vncwebsocket', 'spiceproxy', 'remote_migrate', 'migrate', 'clone', 'snapshot', 'firewall', 'rrd', 'rrddata', 'feature', 'template', 'resize', 'move_volume', 'interfaces', 'mtunnel', 'mtunnelwebsocket'].map((subdir) => ({ subdir }));
      },
    },
    { op: 'proxmox.lxc.destroy', method: 'DELETE', path: '/nodes/{node}/lxc/{vmid}', delayMs, handler: destroy },
    {
      op: 'proxmox.lxc.config.get', method: 'GET', path: '/nodes/{node}/lxc/{vmid}/config', delayMs,
      handler: ({ params }) => {
        const { node, vmid } = target(params);
        const ct = cluster.container(node, vmid);
        if (typeof params.snapshot === 'string') {
          const snapshot = ct.snapshots.get(params.snapshot);
          if (snapshot === undefined) throw pveDie(`snapshot '${params.snapshot}' does not exist`);
          return { ...snapshot.config, digest: cluster.digest(ct) };
        }
        return { ...ct.config, digest: cluster.digest(ct), ...(ct.lock === undefined ? {} : { lock: ct.lock }) };
      },
    },
    {
      op: 'proxmox.lxc.config.update', method: 'PUT', path: '/nodes/{node}/lxc/{vmid}/config', delayMs,
      handler: ({ params }) => {
        const { node, vmid } = target(params);
        const ct = cluster.container(node, vmid);
        if (typeof params.digest === 'string' && params.digest !== cluster.digest(ct)) {
          throw pveDie('detected modified configuration - file changed by other user? Try again.');
        }
        cluster.checkLock(ct);
        ct.config = applyConfigUpdate(ct.config, vmid, params);
        power.syncWorld(ct);
        return null;
      },
    },
    {
      op: 'proxmox.lxc.interfaces', method: 'GET', path: '/nodes/{node}/lxc/{vmid}/interfaces', delayMs,
      handler: ({ params }) => {
        const { node, vmid } = target(params);
        const ct = cluster.container(node, vmid);
        if (!cluster.isRunning(ct)) throw pveDie(`CT ${vmid} not running`);
        const lo = { name: 'lo', hwaddr: '00:00:00:00:00:00', 'hardware-address': '00:00:00:00:00:00', inet: '127.0.0.1/8', inet6: '::1/128', 'ip-addresses': [{ 'ip-address': '127.0.0.1', 'ip-address-type': 'inet', prefix: 8 }, { 'ip-address': '::1', 'ip-address-type': 'inet6', prefix: 128 }] };
        const nets = Object.entries(ct.config)
          .filter(([key]) => /^net\d+$/.test(key))
          .map(([, value]) => {
            const fields = Object.fromEntries(String(value).split(',').map((kv) => kv.split('=') as [string, string]));
            const hwaddr = (fields.hwaddr ?? '').toLowerCase();
            const ip = fields.ip !== undefined && fields.ip.includes('/') ? fields.ip : undefined;
            const addresses = ip === undefined ? [] : [{ 'ip-address': ip.split('/')[0], 'ip-address-type': 'inet', prefix: Number(ip.split('/')[1]) }];
            return { name: fields.name ?? 'eth0', hwaddr, 'hardware-address': hwaddr, ...(ip === undefined ? {} : { inet: ip }), 'ip-addresses': addresses };
          });
        return [lo, ...nets];
      },
    },
    {
      op: 'proxmox.lxc.feature', method: 'GET', path: '/nodes/{node}/lxc/{vmid}/feature', delayMs,
      handler: ({ params }) => {
        const { node, vmid } = target(params);
        const ct = cluster.container(node, vmid);
        // DRBD: snapshots yes, linked clones no, full copies yes (NOTES §10).
        const has = params.feature === 'snapshot' ? cluster.canSnapshot(ct) : params.feature === 'copy';
        return { hasFeature: has ? 1 : 0, nodes: has ? [...cluster.nodes] : [] };
      },
    },
  ];
}
