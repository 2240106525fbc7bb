/**
 * The rank of a Proxmox request in the client's queue (ranked-limit.ts): the time this client
 * first heard of the container the request is about, so the provisions that started earlier —
 * the ones further along — are served first and finish, instead of every provision advancing
 * one request at a time behind all the others. Only the order changes: each request is the
 * same, the limit of requests in flight is the same, and nobody waits forever (a container's
 * rank is fixed, so a newer one waits at most for the older ones' requests).
 *
 * The guest listing is about no container by its path: the caller says which one it locates,
 * and a listing shared by several callers waits at the best of their ranks (waiting-reads.ts).
 * It must not simply go first: sent at once, it is shared by nobody, and 1,000 provisions read
 * it 7 times each (measured) instead of about once. Requests about no container at all (HA
 * groups, the version) rank first: they are few.
 */
import type { Method, Params } from './client.js';
import { parseUpid } from './upid.js';

const LXC_PATH = /\/lxc\/(\d+)(?:\/|$)/;
const HA_PATH = /\/cluster\/ha\/(?:resources\/ct%3A|rules\/provisiond-)(\d+)(?:\/|$)/i;
const TASK_PATH = /\/tasks\/([^/]+)\/status$/;
const HA_SID = /^ct:(\d+)$/;

const vmidOf = (text: unknown): number | undefined => {
  const vmid = Number(text);
  return Number.isInteger(vmid) && vmid > 0 ? vmid : undefined;
};

/** The VMID a request is about, when it names one (path, task UPID, or create/HA parameters). */
export function containerOf(method: Method, path: string, params: Params | undefined): number | undefined {
  const lxc = LXC_PATH.exec(path) ?? HA_PATH.exec(path);
  if (lxc !== null) return vmidOf(lxc[1]);
  const task = TASK_PATH.exec(path);
  if (task !== null) {
    const upid = parseUpid(decodeURIComponent(task[1] ?? ''));
    return upid === undefined ? undefined : vmidOf(upid.id);
  }
  if (method !== 'POST') return undefined;
  if (path.endsWith('/lxc')) return vmidOf(params?.vmid);
  const sid = HA_SID.exec(String(params?.sid ?? params?.resources ?? ''));
  return sid === null ? undefined : vmidOf(sid[1]);
}

export interface OldestFirst {
  /** `about`: the container, when the request itself does not name one (the guest listing). */
  rank(method: Method, path: string, params: Params | undefined, about?: number): number;
  /** Containers remembered (for tests). */
  readonly size: number;
}

/**
 * `forgetAfterMs`: a container first heard of longer ago counts as new again (a VMID is reused
 * after its service is deleted; a service's own work is long done by then), and such entries
 * are swept so the memory stays bounded by the containers of the last `forgetAfterMs`.
 */
export function createOldestFirst(now: () => number = Date.now, forgetAfterMs = 3_600_000): OldestFirst {
  const firstHeard = new Map<number, number>();
  let sweepAt = 1024;

  const sweep = (at: number): void => {
    for (const [vmid, since] of firstHeard) if (at - since > forgetAfterMs) firstHeard.delete(vmid);
    sweepAt = Math.max(1024, firstHeard.size * 2);
  };

  return {
    rank(method, path, params, about) {
      const vmid = containerOf(method, path, params) ?? about;
      if (vmid === undefined) return Number.NEGATIVE_INFINITY;
      const at = now();
      const since = firstHeard.get(vmid);
      if (since !== undefined && at - since <= forgetAfterMs) return since;
      firstHeard.set(vmid, at);
      if (firstHeard.size >= sweepAt) sweep(at);
      return at;
    },
    get size() {
      return firstHeard.size;
    },
  };
}
