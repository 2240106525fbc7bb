/**
 * Writing to the simulated systems through their own APIs, with the credentials of the
 * sandbox's connection file, as an operator (or a colleague, or a script gone wrong) would
 * change the real systems behind provisiond's back.
 */
import assert from 'node:assert/strict';
import type { SandboxConnection } from '../../src/sandbox/sandbox.js';

async function send(url: string, init: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of several APIs
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

export class SimulatorWrites {
  constructor(private readonly connection: SandboxConnection) {}

  /** A Proxmox API call (form-encoded, as the real API takes it); returns `data`. */
  async proxmox(method: string, path: string, params: Record<string, string | number> = {}): Promise<unknown> {
    const { url, tokenId, tokenSecret } = this.connection.proxmox;
    const form = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const answer = await send(`${url}${path}`, {
      method,
      headers: { authorization: `PVEAPIToken=${tokenId}=${tokenSecret}`, ...(form === '' ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) },
      ...(form === '' ? {} : { body: form }),
    });
    assert.equal(answer.status, 200, `Proxmox ${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.data;
  }

  /** Wait for a Proxmox task to end OK. */
  async proxmoxTask(upid: unknown): Promise<void> {
    const node = String(upid).split(':')[1] ?? '';
    const deadline = Date.now() + 20_000;
    for (;;) {
      const status = (await this.proxmox('GET', `/nodes/${node}/tasks/${encodeURIComponent(String(upid))}/status`)) as { status: string; exitstatus?: string };
      if (status.status === 'stopped') {
        assert.equal(status.exitstatus, 'OK', `task ${String(upid)}`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`task ${String(upid)} still running after 20 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** A container created directly on node1, with whatever description (marker or none) it is given. */
  async createContainer(vmid: number, ip: string, extra: Record<string, string | number> = {}): Promise<void> {
    const upid = await this.proxmox('POST', '/nodes/node1/lxc', {
      vmid, ostemplate: 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst', rootfs: 'drbd:8',
      net0: `name=eth0,bridge=vmbr1,ip=${ip}/24`, hostname: `ct${vmid}.example`, unprivileged: 1, ...extra,
    });
    await this.proxmoxTask(upid);
  }

  async cloudflare(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the envelope's result
    const { baseUrl, zoneId, apiToken } = this.connection.cloudflare;
    const answer = await send(`${baseUrl}/zones/${zoneId}/dns_records${path}`, {
      method,
      headers: { authorization: `Bearer ${apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.equal(answer.status, 200, `Cloudflare ${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body.result;
  }

  async npm(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- NPM's JSON
    const { url, email, password } = this.connection.npm;
    const login = await send(`${url}/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: email, secret: password }) });
    const answer = await send(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${String(login.body.token)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(answer.status === 200 || answer.status === 201, `NPM ${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  /** One remote function of ISPConfig's JSON API, logged in as the sandbox's remote user. */
  async ispconfig(method: string, args: Record<string, unknown>): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the panel's response
    const { url, username, password } = this.connection.ispconfig;
    const call = async (name: string, body: Record<string, unknown>) => {
      const answer = await send(`${url}?${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(answer.body?.code, 'ok', `ISPConfig ${name}: ${JSON.stringify(answer.body)}`);
      return answer.body.response;
    };
    const session = await call('login', { username, password });
    return call(method, { session_id: session, ...args });
  }

  /** A zone made directly in the panel, with our marker for `owner` or without one. */
  async createZone(domain: string, owner: string | null): Promise<number> {
    const { baseDomain } = this.connection;
    const zone = Number(await this.ispconfig('dns_zone_add', {
      client_id: 0,
      params: {
        server_id: 1, origin: `${domain}.`, ns: `ns1.${baseDomain}.`, mbox: `hostmaster.${baseDomain}.`, serial: '2026010101', refresh: '7200',
        retry: '540', expire: '604800', minimum: '3600', ttl: '3600', active: 'y', xfer: '', also_notify: '', update_acl: '',
      },
    }));
    const record = (type: string, name: string, data: string, active: string) =>
      this.ispconfig(`dns_${type}_add`, { client_id: 0, update_serial: false, params: { server_id: 1, zone, name, type, data, aux: '0', ttl: '3600', active, stamp: '', serial: '' } });
    if (owner !== null) await record('txt', `_provisiond.${domain}.`, `provisiond:${owner}`, 'n');
    await record('a', `${domain}.`, '198.51.100.40', 'y');
    return zone;
  }
}
