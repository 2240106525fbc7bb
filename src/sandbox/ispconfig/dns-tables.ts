/**
 * The panel database's two DNS tables, `dns_soa` (zones) and `dns_rr` (records), with
 * auto-increment ids. Rows are kept by column name and answered the way mysqli returns them:
 * every value a string. Writes only reach BIND when the server agent's one-minute cron applies
 * `sys_datalog`, so each row remembers when it goes live (the next full minute); clients can only
 * observe that through DNS, so it is exposed in the snapshots, not in the API.
 */
import { schema } from './ispconfig-schema.js';
import type { StoredValue } from './form-processor.js';

export type Table = 'dns_soa' | 'dns_rr';
export type Row = Record<string, StoredValue | null>;

export interface RecordSnapshot {
  readonly id: number;
  readonly zone: number;
  readonly serverId: number;
  readonly name: string;
  readonly type: string;
  readonly data: string;
  readonly ttl: number;
  readonly active: string;
  /** When the cron will have written this version to the name server (epoch ms). */
  readonly liveAt: number;
}

export interface ZoneSnapshot {
  readonly id: number;
  readonly serverId: number;
  readonly origin: string;
  readonly ns: string;
  readonly mbox: string;
  readonly serial: number;
  readonly refresh: number;
  readonly retry: number;
  readonly expire: number;
  readonly minimum: number;
  readonly ttl: number;
  readonly active: string;
  /** Owner: 1/1 for admin (client_id 0), else the client's sys_user/sys_group. */
  readonly sysUserId: number;
  readonly sysGroupId: number;
  readonly liveAt: number;
  readonly records: readonly RecordSnapshot[];
}

export interface Owner {
  readonly userId: number;
  readonly groupId: number;
}

/**
 * loadUserProfile(client_id): 0 is the admin (sys_userid 1, sys_groupid 1). The sandbox has no
 * client table, so client N stands for a client whose sys_user and sys_group ids are N + 1.
 */
export function ownerOf(clientId: number): Owner {
  return clientId > 0 ? { userId: clientId + 1, groupId: clientId + 1 } : { userId: 1, groupId: 1 };
}

const MINUTE = 60_000;
const num = (v: StoredValue | null | undefined): number => Number(v ?? 0);
const str = (v: StoredValue | null | undefined): string => (v === null || v === undefined ? '' : String(v));

export class DnsTables {
  private readonly rows: Record<Table, Map<number, Row>> = { dns_soa: new Map(), dns_rr: new Map() };
  private readonly nextId: Record<Table, number> = { dns_soa: 1, dns_rr: 1 };
  private readonly liveAt = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  insert(table: Table, values: Readonly<Record<string, StoredValue>>, owner: Owner, defaults: Row): number {
    const id = this.nextId[table]++;
    const row: Row = { id, sys_userid: owner.userId, sys_groupid: owner.groupId, sys_perm_user: 'riud', sys_perm_group: 'riud', sys_perm_other: '', ...defaults, ...values };
    this.rows[table].set(id, row);
    this.touch(table, id);
    return id;
  }

  get(table: Table, id: number): Row | undefined {
    return this.rows[table].get(id);
  }

  all(table: Table): Row[] {
    return [...this.rows[table].values()];
  }

  /** UPDATE … WHERE id: MySQL counts a row as affected only when a value really changed. */
  update(table: Table, id: number, values: Readonly<Record<string, StoredValue>>): number {
    const row = this.rows[table].get(id);
    if (row === undefined) return 0;
    const changed = Object.entries(values).filter(([k, v]) => String(row[k]) !== String(v));
    if (changed.length === 0) return 0;
    for (const [k, v] of changed) row[k] = v;
    this.touch(table, id);
    return 1;
  }

  delete(table: Table, id: number): number {
    this.liveAt.delete(`${table}:${id}`);
    return this.rows[table].delete(id) ? 1 : 0;
  }

  /** The row as json.php prints it: every column, every value a string (NULL stays null). */
  static wire(table: Table, row: Row): Record<string, string | null> {
    return Object.fromEntries(schema.tables[table].columns.map((c) => [c, row[c] === null || row[c] === undefined ? null : String(row[c])]));
  }

  zones(): ZoneSnapshot[] {
    return this.all('dns_soa').map((z) => ({
      id: num(z.id),
      serverId: num(z.server_id),
      origin: str(z.origin),
      ns: str(z.ns),
      mbox: str(z.mbox),
      serial: num(z.serial),
      refresh: num(z.refresh),
      retry: num(z.retry),
      expire: num(z.expire),
      minimum: num(z.minimum),
      ttl: num(z.ttl),
      active: str(z.active),
      sysUserId: num(z.sys_userid),
      sysGroupId: num(z.sys_groupid),
      liveAt: this.liveAt.get(`dns_soa:${num(z.id)}`) ?? 0,
      records: this.records().filter((r) => r.zone === num(z.id)),
    }));
  }

  /** Every record, including those left behind by dns_zone_delete (their zone is gone). */
  records(): RecordSnapshot[] {
    return this.all('dns_rr').map((r) => ({
      id: num(r.id),
      zone: num(r.zone),
      serverId: num(r.server_id),
      name: str(r.name),
      type: str(r.type),
      data: str(r.data),
      ttl: num(r.ttl),
      active: str(r.active),
      liveAt: this.liveAt.get(`dns_rr:${num(r.id)}`) ?? 0,
    }));
  }

  /** A change is queued in sys_datalog; server.sh runs at the start of every minute. */
  private touch(table: Table, id: number): void {
    this.liveAt.set(`${table}:${id}`, (Math.floor(this.now() / MINUTE) + 1) * MINUTE);
  }
}
