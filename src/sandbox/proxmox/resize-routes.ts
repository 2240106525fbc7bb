/**
 * `PUT /nodes/{node}/lxc/{vmid}/resize` (pve-container PVE/API2/LXC.pm `resize_vm`). The
 * checks run twice, as upstream's `$load_and_check` does: once before the worker is forked
 * (their failures are the call's HTTP 500) and again inside it under the config lock. A size
 * with `+` grows by that much, one without is the new absolute size; a smaller size dies
 * `unable to shrink disk size`, the same size `disk is already at specified size`. The worker
 * (`resize`) writes the new `size=` into the mount point, as `format_size` prints it.
 */
import type { Container } from './cluster-state.js';
import { volumeBytes, withVolumeSize } from './container-config.js';
import { parseSize } from './disk-sizes.js';
import type { Params } from './param-validator.js';
import { apiDelay, type ProxmoxContext } from './proxmox-context.js';
import { pveDie } from './pve-errors.js';
import type { PveRoute, RouteContext } from './pve-route.js';

/**
 * Model seconds a resize takes (volume_resize, then resize2fs). The timing table has no entry
 * for it; this lives here, scaled the same way, rather than in the shared table.
 */
const RESIZE_SECONDS = 2;

interface Checked {
  readonly ct: Container;
  readonly disk: string;
  readonly newsize: number;
}

export function resizeRoutes(context: ProxmoxContext): PveRoute[] {
  const { cluster, tasks, latency } = context;

  const loadAndCheck = (params: Params): Checked => {
    const ct = cluster.container(String(params.node), Number(params.vmid));
    cluster.checkLock(ct);
    if (typeof params.digest === 'string' && params.digest !== cluster.digest(ct)) {
      throw pveDie('detected modified configuration - file changed by other user? Try again.');
    }
    const disk = String(params.disk);
    const size = volumeBytes(ct.config, disk);
    // Upstream dereferences the parsed mount point without a check; a missing one dies in Perl.
    if (size === undefined) throw pveDie(`unable to parse volume for '${disk}'`);
    const text = String(params.size);
    const request = parseSize(text.replace(/^\+/, ''));
    if (request === undefined) throw pveDie('invalid size string');
    const newsize = Math.trunc(text.startsWith('+') ? size + request : request);
    if (newsize < size) throw pveDie('unable to shrink disk size');
    if (newsize === size) throw pveDie('disk is already at specified size');
    return { ct, disk, newsize };
  };

  const resize = ({ params, user }: RouteContext): string => {
    const early = loadAndCheck(params);
    return tasks.fork(early.ct.node, 'resize', String(early.ct.vmid), user, async (task) => {
      const { ct, disk, newsize } = loadAndCheck(params);
      task.log(`resizing ${disk} of CT ${ct.vmid}`);
      await task.sleep(RESIZE_SECONDS * 1000 * latency.scale);
      ct.config = { ...ct.config, [disk]: withVolumeSize(ct.config, disk, newsize) };
    });
  };

  return [{ op: 'proxmox.lxc.resize', method: 'PUT', path: '/nodes/{node}/lxc/{vmid}/resize', delayMs: apiDelay(context), handler: resize }];
}
