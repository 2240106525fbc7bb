/**
 * Plain data for the reconciler's pure tests: services as the database records them and the
 * inventory items that match them exactly, so each test changes one thing and looks for one
 * finding.
 */
import type { ContainerItem, DnsRecordItem, Expectations, Inventory, OwnedService, ProxyHostItem, ZoneItem } from '../../src/reconcile/types.js';

export const EXPECT: Expectations = { sitePort: 18080 };
export const PUBLIC_IP = '203.0.113.10';

let next = 0;

export function service(overrides: Partial<OwnedService> & { serviceId: string }): OwnedService {
  next += 1;
  return {
    state: 'active',
    step: null,
    vmid: 1000 + next,
    privateIp: `127.42.0.${100 + next}`,
    publicIp: PUBLIC_IP,
    fqdn: `${overrides.serviceId}.sandbox.test`,
    domains: [],
    ...overrides,
  };
}

/** Everything a live service should have, exactly as it should be. */
export function healthy(s: OwnedService, sitePort = EXPECT.sitePort): Required<Inventory> {
  const active = s.domains.filter((d) => d.state === 'active');
  return {
    proxmox: [{ vmid: s.vmid, node: 'node1', status: s.state === 'suspended' ? 'stopped' : 'running', owner: s.serviceId, ip: s.privateIp }],
    cloudflare: [{ id: `rec-${s.serviceId}`, name: s.fqdn, type: 'A', content: s.publicIp, owner: s.serviceId }],
    npm: [s.fqdn, ...active.map((d) => d.domain)].map((name, i) => ({
      id: s.vmid * 10 + i, domainNames: [name], forwardHost: s.privateIp, forwardPort: sitePort, owner: s.serviceId,
    })),
    ispconfig: active.map((d, i) => ({
      domain: d.domain, owner: s.serviceId, zoneId: s.vmid * 10 + i,
      aRecords: [{ name: d.domain, data: s.publicIp }, { name: `www.${d.domain}`, data: s.publicIp }],
    })),
  };
}

/** Several inventories as one. */
export function merge(...parts: Inventory[]): Required<Inventory> {
  return {
    proxmox: parts.flatMap((p) => p.proxmox ?? []),
    cloudflare: parts.flatMap((p) => p.cloudflare ?? []),
    npm: parts.flatMap((p) => p.npm ?? []),
    ispconfig: parts.flatMap((p) => p.ispconfig ?? []),
  };
}

export const container = (item: Partial<ContainerItem> & Pick<ContainerItem, 'vmid' | 'owner'>): ContainerItem => ({ node: 'node1', status: 'running', ip: null, ...item });
export const record = (item: Partial<DnsRecordItem> & Pick<DnsRecordItem, 'id' | 'name' | 'owner'>): DnsRecordItem => ({ type: 'A', content: PUBLIC_IP, ...item });
export const host = (item: Partial<ProxyHostItem> & Pick<ProxyHostItem, 'id' | 'domainNames' | 'owner'>): ProxyHostItem => ({ forwardHost: '127.42.0.9', forwardPort: EXPECT.sitePort, ...item });
export const zone = (item: Partial<ZoneItem> & Pick<ZoneItem, 'domain' | 'owner'>): ZoneItem => ({ zoneId: 7, aRecords: [{ name: item.domain, data: PUBLIC_IP }], ...item });
