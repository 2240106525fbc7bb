/**
 * A Proxmox simulator on loopback for the effect tests, the effects wired to it, and a raw
 * fetch client to arrange the world behind the effects' back (a container from before a
 * crash, a foreign one).
 */
import type { AddressInfo } from 'node:net';
import { createProxmoxClient, type ProxmoxClient } from '../../src/effects/proxmox/client.js';
import type { ProxmoxConfig } from '../../src/effects/proxmox/proxmox-config.js';
import { createProxmoxEffects, type ProxmoxEffects } from '../../src/effects/proxmox/proxmox.effects.js';
import { Faults } from '../../src/sandbox/core/faults.js';
import { Latency } from '../../src/sandbox/core/timing.js';
import { World } from '../../src/sandbox/core/world.js';
import { createProxmoxSimulator, DEFAULT_TEMPLATE } from '../../src/sandbox/proxmox/proxmox-simulator.js';

export const TOKEN = { id: 'provisiond@pve!daemon', secret: 'c0ffee00-1111-4222-8333-444455556666' };
export const SERVICE = 'svc-1001';
export const signal = new AbortController().signal;

export interface Pve {
  readonly url: string;
  readonly world: World;
  readonly faults: Faults;
  readonly config: ProxmoxConfig;
  /** Effects with a client of their own; `make` builds more with other settings. */
  readonly effects: ProxmoxEffects;
  readonly client: ProxmoxClient;
  make(overrides?: Partial<ProxmoxConfig>): { effects: ProxmoxEffects; client: ProxmoxClient };
  /** Raw API call as root would make it; returns `data` or throws with the status and message. */
  raw(method: string, path: string, body?: Record<string, string | number>): Promise<unknown>;
  /** Create a container directly (as an earlier run or a colleague did) and wait for the task. */
  createDirect(vmid: number, extra?: Record<string, string | number>, node?: string): Promise<void>;
  waitTask(upid: unknown): Promise<string>;
  calls(op: string): number;
  close(): Promise<void>;
}

export async function startPve(scale = 0): Promise<Pve> {
  const world = new World();
  const faults = new Faults();
  const app = createProxmoxSimulator({ world, faults, latency: new Latency(scale), tokens: [TOKEN], unauthorizedDelayMs: 0 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/api2/json`;
  const config: ProxmoxConfig = {
    url, tokenId: TOKEN.id, tokenSecret: TOKEN.secret, nodes: ['node1', 'node2'], template: DEFAULT_TEMPLATE, storage: 'drbd',
    bridge: 'vmbr1', gateway: '127.42.0.1', cidr: 24, pollIntervalMs: 2, taskTimeoutMs: 5000, requestTimeoutMs: 5000,
  };
  const clients: ProxmoxClient[] = [];
  const make = (overrides: Partial<ProxmoxConfig> = {}) => {
    const merged = { ...config, ...overrides };
    const client = createProxmoxClient(merged);
    clients.push(client);
    return { client, effects: createProxmoxEffects({ config: merged, client }) };
  };
  const main = make();

  const raw = async (method: string, path: string, body?: Record<string, string | number>): Promise<unknown> => {
    const form = body === undefined ? undefined : new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `PVEAPIToken=${TOKEN.id}=${TOKEN.secret}`, ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(form === undefined ? {} : { body: form }),
    });
    const parsed = (await response.json()) as { data?: unknown; message?: string };
    if (response.status !== 200) throw new Error(`${response.status} ${parsed.message ?? ''}`);
    return parsed.data;
  };
  const waitTask = async (upid: unknown): Promise<string> => {
    const node = String(upid).split(':')[1] ?? '';
    for (let i = 0; i < 1000; i++) {
      const status = (await raw('GET', `/nodes/${node}/tasks/${encodeURIComponent(String(upid))}/status`)) as { status: string; exitstatus?: string };
      if (status.status === 'stopped') return status.exitstatus ?? '';
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    throw new Error('task never stopped');
  };
  const createDirect = async (vmid: number, extra: Record<string, string | number> = {}, node = 'node1'): Promise<void> => {
    const upid = await raw('POST', `/nodes/${node}/lxc`, {
      vmid, ostemplate: DEFAULT_TEMPLATE, rootfs: 'drbd:8', net0: `name=eth0,bridge=vmbr1,ip=127.42.0.${vmid % 200}/24`, unprivileged: 1, ...extra,
    });
    await waitTask(upid);
  };

  return {
    url, world, faults, config, effects: main.effects, client: main.client, make, raw, createDirect, waitTask,
    calls: (op) => faults.counts()[op]?.calls ?? 0,
    close: async () => {
      await Promise.all(clients.map((c) => c.close()));
      await app.close();
    },
  };
}

export const createInput = (vmid: number, serviceId = SERVICE) => ({
  serviceId, vmid, hostname: `site${vmid}.sandbox.test`, privateIp: `127.42.0.${vmid % 200}`, resources: { memoryMb: 1024, diskGb: 10, cores: 2 },
});

/** Resolve with the AppError a promise rejects with (fails when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; system?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; retryable: boolean; message: string; system?: string };
  }
  throw new Error('expected a failure, got success');
}
