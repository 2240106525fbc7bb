/**
 * Cluster-wide reads and the per-node basics: `/version`, `/cluster/nextid` (which does not
 * reserve), `/cluster/resources`, `/cluster/status`, `/nodes`, `/nodes/{node}/status` and the
 * storage listings a client uses to find templates.
 */
import type { StorageDefinition } from './cluster-state.js';
import { ctMetrics, NODE_CPUS } from './container-metrics.js';
import { apiDelay, type ProxmoxContext } from './proxmox-context.js';
import { paramError } from './pve-errors.js';
import { splitList } from './pve-formats.js';
import type { PveRoute } from './pve-route.js';

const GiB = 2 ** 30;
const NODE_MEMORY = 64 * GiB;
const TEMPLATE_BYTES = 141_558_446;

export function clusterRoutes(context: ProxmoxContext): PveRoute[] {
  const { cluster, ha } = context;
  const delayMs = apiDelay(context);
  const nodeUptime = (): number => Math.floor((cluster.now() - context.bootedAt) / 1000) + 86_400;

  /** Volumes on a storage: its templates plus the CT disks allocated on it. */
  const volumes = (storage: StorageDefinition): Record<string, unknown>[] => {
    const templates = (storage.volumes ?? []).map((volid) => ({ volid, format: 'tzst', content: 'vztmpl', size: TEMPLATE_BYTES, ctime: 1_717_200_000 }));
    const disks = [...cluster.containers.values()].flatMap((ct) =>
      Object.entries(ct.config)
        .filter(([key, value]) => (key === 'rootfs' || /^mp\d+$/.test(key)) && String(value).startsWith(`${storage.id}:`))
        .map(([, value]) => ({ volid: String(value).split(',', 1)[0], format: 'raw', content: 'rootdir', vmid: ct.vmid, size: ctMetrics(cluster, ct).maxdisk })),
    );
    return [...templates, ...disks];
  };

  const storageUsed = (storage: StorageDefinition): number =>
    volumes(storage).reduce((sum, v) => sum + Number(v.size), 0);

  const storageEntry = (storage: StorageDefinition): Record<string, unknown> => {
    const total = storage.totalBytes ?? 100 * GiB;
    const used = storageUsed(storage);
    return {
      storage: storage.id, type: storage.type, content: storage.content.join(','), active: 1, enabled: 1, shared: storage.shared === true ? 1 : 0,
      total, used, avail: total - used, used_fraction: used / total,
    };
  };

  const nodeLoad = (node: string): { mem: number; cpu: number } => {
    const cts = [...cluster.containers.values()].filter((ct) => ct.node === node);
    const mem = 6 * GiB + cts.reduce((sum, ct) => sum + ctMetrics(cluster, ct).mem, 0);
    return { mem, cpu: 0.02 + cts.filter((ct) => cluster.isRunning(ct)).length * 0.004 };
  };

  return [
    {
      op: 'proxmox.version.get', method: 'GET', path: '/version', delayMs,
      handler: () => ({ release: '9.2', version: '9.2.11', repoid: '3f6c2e1a9b7d', console: 'html5' }),
    },
    {
      op: 'proxmox.cluster.nextid', method: 'GET', path: '/cluster/nextid', delayMs,
      handler: ({ params }) => {
        if (params.vmid !== undefined) {
          if (cluster.containers.has(Number(params.vmid))) throw paramError({ vmid: `VM ${params.vmid} already exists` });
          return String(params.vmid);
        }
        let id = 100;
        while (cluster.containers.has(id)) id++;
        // Perl hands the loop variable back as a string (as real clusters answer: "data":"106").
        return String(id);
      },
    },
    {
      op: 'proxmox.cluster.resources', method: 'GET', path: '/cluster/resources', delayMs,
      handler: ({ params }) => {
        const type = params.type;
        const result: Record<string, unknown>[] = [];
        if (type === undefined || type === 'vm') {
          for (const ct of cluster.containers.values()) {
            const hastate = ha.serviceState(ct.vmid);
            result.push({
              id: `lxc/${ct.vmid}`, type: 'lxc', vmid: ct.vmid, node: ct.node, name: String(ct.config.hostname), status: cluster.isRunning(ct) ? 'running' : 'stopped',
              template: ct.config.template === 1 ? 1 : 0, maxcpu: Number(ct.config.cores ?? NODE_CPUS), ...ctMetrics(cluster, ct),
              ...(ct.lock === undefined ? {} : { lock: ct.lock }), ...(ct.config.tags === undefined ? {} : { tags: ct.config.tags }),
              ...(hastate === undefined ? {} : { hastate }),
            });
          }
        }
        if (type === undefined || type === 'node') {
          for (const node of cluster.nodes) {
            const load = nodeLoad(node);
            result.push({ id: `node/${node}`, type: 'node', node, status: 'online', level: '', 'cgroup-mode': 2, maxcpu: NODE_CPUS, cpu: load.cpu, maxmem: NODE_MEMORY, mem: load.mem, maxdisk: 100 * GiB, disk: 9 * GiB, uptime: nodeUptime() });
          }
        }
        if (type === undefined || type === 'storage') {
          for (const node of cluster.nodes) {
            for (const storage of cluster.storages) {
              const entry = storageEntry(storage);
              result.push({ id: `storage/${node}/${storage.id}`, type: 'storage', node, storage: storage.id, status: 'available', plugintype: storage.type, content: entry.content, shared: entry.shared, maxdisk: entry.total, disk: entry.used });
            }
          }
        }
        return result;
      },
    },
    {
      op: 'proxmox.cluster.status', method: 'GET', path: '/cluster/status', delayMs,
      handler: () => [
        { type: 'cluster', id: 'cluster', name: 'sandbox', nodes: cluster.nodes.length, quorate: 1, version: cluster.nodes.length + 1 },
        ...cluster.nodes.map((node, i) => ({ type: 'node', id: `node/${node}`, name: node, nodeid: i + 1, ip: `127.0.0.${i + 1}`, online: 1, local: i === 0 ? 1 : 0, level: '' })),
      ],
    },
    {
      op: 'proxmox.nodes.list', method: 'GET', path: '/nodes', delayMs,
      handler: () => cluster.nodes.map((node) => ({ node, status: 'online', cpu: nodeLoad(node).cpu, maxcpu: NODE_CPUS, mem: nodeLoad(node).mem, maxmem: NODE_MEMORY, uptime: nodeUptime(), level: '', id: `node/${node}`, type: 'node' })),
    },
    {
      op: 'proxmox.nodes.status', method: 'GET', path: '/nodes/{node}/status', delayMs,
      handler: ({ params }) => {
        const load = nodeLoad(String(params.node));
        return {
          cpu: load.cpu, wait: 0.001, uptime: nodeUptime(), loadavg: ['0.42', '0.37', '0.31'], idle: 0,
          cpuinfo: { cores: NODE_CPUS / 2, cpus: NODE_CPUS, sockets: 1, model: 'AMD EPYC 7302P 16-Core Processor', mhz: '3000.000', hvm: '1', flags: '', user_hz: 100 },
          memory: { total: NODE_MEMORY, used: load.mem, free: NODE_MEMORY - load.mem, available: NODE_MEMORY - load.mem },
          swap: { total: 8 * GiB, used: 0, free: 8 * GiB },
          rootfs: { total: 100 * GiB, used: 9 * GiB, free: 91 * GiB, avail: 86 * GiB },
          ksm: { shared: 0 },
          pveversion: 'pve-manager/9.2.11/3f6c2e1a9b7d',
          kversion: 'Linux 6.14.11-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.11-2 (2025-09-12T09:46Z)',
          'current-kernel': { sysname: 'Linux', release: '6.14.11-2-pve', version: '#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-2 (2025-09-12T09:46Z)', machine: 'x86_64' },
          'boot-info': { mode: 'efi', secureboot: 0 },
        };
      },
    },
    {
      op: 'proxmox.storage.list', method: 'GET', path: '/nodes/{node}/storage', delayMs,
      handler: ({ params }) => {
        const wanted = typeof params.content === 'string' ? splitList(params.content) : undefined;
        return cluster.storages
          .filter((s) => params.storage === undefined || s.id === params.storage)
          .filter((s) => wanted === undefined || wanted.some((c) => s.content.includes(c)))
          .map(storageEntry);
      },
    },
    {
      op: 'proxmox.storage.content', method: 'GET', path: '/nodes/{node}/storage/{storage}/content', delayMs,
      handler: ({ params }) =>
        volumes(cluster.storage(String(params.storage)))
          .filter((v) => params.content === undefined || v.content === params.content)
          .filter((v) => params.vmid === undefined || v.vmid === Number(params.vmid)),
    },
  ];
}
