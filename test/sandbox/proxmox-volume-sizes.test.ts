import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rootfsBytes, volumeBytes, withVolumeSize } from '../../src/sandbox/proxmox/container-config.js';

const GiB = 2 ** 30;

describe("the sandbox's mount point sizes", () => {
  it('follow the value as it changes, remembered or not', () => {
    const config: Record<string, string | number> = { rootfs: 'drbd:vm-4711-disk-0,size=8G', mp0: 'drbd:vm-4711-disk-1,mp=/srv,size=512M' };
    assert.equal(rootfsBytes(config), 8 * GiB);
    // Asked again (the listing does, for every CT): the same answer.
    assert.equal(rootfsBytes(config), 8 * GiB);
    assert.equal(volumeBytes(config, 'mp0'), 512 * 2 ** 20);
    config.rootfs = withVolumeSize(config, 'rootfs', 12 * GiB);
    assert.equal(rootfsBytes(config), 12 * GiB);
    assert.equal(rootfsBytes({ rootfs: 'drbd:vm-4711-disk-0' }), 0);
    assert.equal(volumeBytes({}, 'mp1'), undefined);
  });

  it("stay right past the memo's bound", () => {
    for (let gb = 1; gb <= 10_050; gb++) assert.equal(rootfsBytes({ rootfs: `drbd:vm-1-disk-0,size=${gb}G` }), gb * GiB);
    assert.equal(rootfsBytes({ rootfs: 'drbd:vm-1-disk-0,size=1G' }), GiB);
  });
});
