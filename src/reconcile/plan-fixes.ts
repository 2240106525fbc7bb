/**
 * Which findings are safe to repair, and how, as data. Every step names the service id of the
 * marker it acts on (for an orphan, the marker's owner; otherwise the live owner), and the
 * functions that carry steps out check that marker again before they change anything: a
 * resource without our marker is never the target of a step.
 *
 * Safe: deleting marked orphans that hold no customer data on their own terms (records, proxy
 * hosts, zones, and containers of deleted or unknown services), power to match the service's
 * state, the idempotent create effects for missing or drifted records, proxy hosts and zones.
 * Not safe, left for an operator: a missing container (building a site is the actor's job:
 * retry or reinstall) and a stray copy of a live service's container (it may hold data).
 */
import type { Finding, HostSite, Issue } from './types.js';

export type RepairStep =
  | { readonly op: 'startContainer' | 'stopContainer' | 'destroyContainer'; readonly serviceId: string; readonly vmid: number }
  | { readonly op: 'ensureDnsRecord'; readonly serviceId: string; readonly fqdn: string; readonly publicIp: string }
  | { readonly op: 'deleteDnsRecord'; readonly serviceId: string; readonly id: string; readonly name: string }
  | { readonly op: 'ensureProxyHost'; readonly serviceId: string; readonly fqdn: string; readonly privateIp: string }
  | { readonly op: 'ensureDomainProxyHost' | 'ensureDnsZone'; readonly serviceId: string; readonly domain: string; readonly privateIp: string; readonly publicIp: string }
  | { readonly op: 'retargetProxyHost'; readonly serviceId: string; readonly id: number; readonly domain: string; readonly privateIp: string }
  | { readonly op: 'deleteProxyHost'; readonly serviceId: string; readonly id: number; readonly domain: string }
  | { readonly op: 'removeDnsZone'; readonly serviceId: string; readonly domain: string };

export type RepairOp = RepairStep['op'];

export type Repair = { readonly safe: true; readonly steps: readonly RepairStep[] } | { readonly safe: false; readonly reason: string };

export interface PlannedFix {
  readonly finding: Finding;
  readonly repair: Repair;
}

const safe = (...steps: RepairStep[]): Repair => ({ safe: true, steps });
const manual = (reason: string): Repair => ({ safe: false, reason });

function repairFor(issue: Issue, serviceId: string): Repair {
  switch (issue.type) {
    case 'container-orphan':
      return safe({ op: 'destroyContainer', serviceId: issue.owner, vmid: issue.vmid });
    case 'container-stray':
      return manual('a second container marked for a live service may hold data: compare it with the service\'s own and remove it by hand');
    case 'container-missing':
      return manual('building a site is the service actor\'s job: retry, reinstall or delete the service');
    case 'container-power':
      return safe({ op: issue.want === 'running' ? 'startContainer' : 'stopContainer', serviceId, vmid: issue.vmid });
    case 'record-orphan':
      return safe({ op: 'deleteDnsRecord', serviceId: issue.owner, id: issue.id, name: issue.name });
    case 'record-missing':
    case 'record-content':
      return safe({ op: 'ensureDnsRecord', serviceId, fqdn: issue.fqdn, publicIp: issue.publicIp });
    case 'host-orphan':
      return safe({ op: 'deleteProxyHost', serviceId: issue.owner, id: issue.id, domain: issue.domain });
    case 'host-missing':
    case 'host-forward':
      return safe(ensureHost(serviceId, issue.site));
    case 'host-names':
      return safe({ op: 'retargetProxyHost', serviceId, id: issue.id, domain: issue.site.name, privateIp: issue.site.privateIp }, ensureHost(serviceId, issue.site));
    case 'zone-orphan':
      return safe({ op: 'removeDnsZone', serviceId: issue.owner, domain: issue.domain });
    case 'zone-missing':
    case 'zone-records':
      return safe({ op: 'ensureDnsZone', serviceId, domain: issue.domain, publicIp: issue.publicIp, privateIp: issue.privateIp });
  }
}

function ensureHost(serviceId: string, site: HostSite): RepairStep {
  return site.customDomain
    ? { op: 'ensureDomainProxyHost', serviceId, domain: site.name, privateIp: site.privateIp, publicIp: site.publicIp }
    : { op: 'ensureProxyHost', serviceId, fqdn: site.name, privateIp: site.privateIp };
}

export interface PlanOptions {
  /**
   * The database knows no service at all (deleted ones stay on record): most likely not the
   * daemon's database, and every marked resource would look like an orphan. Nothing is deleted.
   */
  readonly databaseEmpty?: boolean;
}

const DELETIONS = new Set<Issue['type']>(['container-orphan', 'record-orphan', 'host-orphan', 'zone-orphan']);

/** One entry per finding that is not `busy`, in the findings' order. */
export function planFixes(findings: readonly Finding[], options: PlanOptions = {}): PlannedFix[] {
  return findings.flatMap((finding) => {
    const { issue } = finding;
    if (issue === undefined) return [];
    const repair = options.databaseEmpty === true && DELETIONS.has(issue.type)
      ? manual('the database holds no service at all, not even deleted ones: is it the daemon\'s database? Nothing is deleted')
      : repairFor(issue, finding.serviceId);
    return [{ finding, repair }];
  });
}
