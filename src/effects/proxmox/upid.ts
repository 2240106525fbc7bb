/**
 * UPIDs name Proxmox worker tasks (pve-common PVE/UPID.pm):
 * `UPID:<node>:<pid 8 hex>:<pstart 8-9 hex>:<starttime 8 hex>:<type>:<id>:<user>:`.
 * `pstart` grows to 9 digits after ~497 days of uptime, `id` may be empty and `user` holds a
 * `!` for API tokens. The node (field 2) is where the task's status must be polled.
 */
export interface Upid {
  readonly upid: string;
  readonly node: string;
  readonly pid: number;
  readonly pstart: number;
  readonly starttime: number;
  readonly type: string;
  readonly id: string;
  readonly user: string;
}

const UPID = /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/i;

export function parseUpid(upid: string): Upid | undefined {
  const m = UPID.exec(upid);
  if (m === null) return undefined;
  const [, node = '', pid = '', pstart = '', starttime = '', type = '', id = '', user = ''] = m;
  return { upid, node, pid: parseInt(pid, 16), pstart: parseInt(pstart, 16), starttime: parseInt(starttime, 16), type, id, user };
}
