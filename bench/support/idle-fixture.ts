/**
 * A database of N idle (`active`) services for figure 5, built in seconds: the template's rows
 * (one real service, see idle-fixture-template.ts) cloned N times with distinct service ids,
 * e-mails, subdomains, loopback IPs and VMIDs, its whole transition chain included.
 *
 * Written with plain SQL in one transaction, not through the registry: going through the
 * actors would take minutes for 100,000 services and measure provisioning, not boot. The
 * schema's own triggers (allocation block counters) still run on every insert, so the file
 * is what the daemon would have left behind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { intToIpv4, ipv4ToInt } from '../../src/domain/ipv4.js';
import { openStore } from '../../src/persistence/store.js';
import { makeTemplate, type Row, type TemplateService } from './idle-fixture-template.js';

/** Clones take addresses from 127.64.0.0 on: loopback, and clear of the template's and the sandbox's pools. */
const FIRST_IP = ipv4ToInt('127.64.0.0');
const FIRST_VMID = 100_000;

export interface IdleClone {
  readonly serviceId: string;
  readonly email: string;
  readonly subdomain: string;
  readonly privateIpNum: number;
  readonly vmid: number;
}

export function cloneOf(index: number): IdleClone {
  const n = String(index + 1).padStart(6, '0');
  return { serviceId: `idle-${n}`, email: `owner${n}@example.com`, subdomain: `owner${n}`, privateIpNum: FIRST_IP + index, vmid: FIRST_VMID + index };
}

/** The template's snapshot with the clone's identity in its context; nothing else differs. */
function snapshotFor(parsed: { context: Record<string, unknown> }, clone: IdleClone): string {
  const context = parsed.context;
  const allocation = context.allocation as Record<string, unknown>;
  return JSON.stringify({
    ...parsed,
    context: { ...context, serviceId: clone.serviceId, email: clone.email, allocation: { ...allocation, subdomain: clone.subdomain, privateIp: intToIpv4(clone.privateIpNum), vmid: clone.vmid } },
  });
}

/** A prepared INSERT of every column of `row` but `except`, each value from `overrides` or the template. */
function inserter(db: Database.Database, table: string, row: Row, except: readonly string[] = []) {
  const columns = Object.keys(row).filter((c) => !except.includes(c));
  const statement = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  return (overrides: Row) => statement.run(...columns.map((c) => (c in overrides ? overrides[c] : row[c])));
}

/** Fail loudly if the template's identity survived in a clone's snapshot (a field this code does not know). */
function checkNoLeak(template: TemplateService, snapshot: string): void {
  for (const needle of [template.serviceId, template.email, template.subdomain, template.privateIp]) {
    if (snapshot.includes(needle)) throw new Error(`a cloned snapshot still names the template's "${needle}": the fixture must learn that field`);
  }
}

function writeClones(path: string, template: TemplateService, count: number): void {
  const db = new Database(path);
  try {
    // Only while building the fixture: nothing here has to survive a power cut.
    db.pragma('synchronous = OFF');
    const { rows } = template;
    const parsed = JSON.parse(String(rows.actor_snapshots.snapshot)) as { context: Record<string, unknown> };
    const services = inserter(db, 'services', rows.services);
    // allocations.private_ip is generated from private_ip_num: SQLite refuses a value for it.
    const allocations = inserter(db, 'allocations', rows.allocations, ['private_ip']);
    const snapshots = inserter(db, 'actor_snapshots', rows.actor_snapshots);
    const transitions = rows.transitions.map((row) => inserter(db, 'transitions', row, ['seq']));
    db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const clone = cloneOf(i);
        const id = { service_id: clone.serviceId };
        services({ ...id, email: clone.email, subdomain: clone.subdomain, private_ip: intToIpv4(clone.privateIpNum), vmid: clone.vmid });
        allocations({ ...id, subdomain: clone.subdomain, private_ip_num: clone.privateIpNum, vmid: clone.vmid });
        const snapshot = snapshotFor(parsed, clone);
        if (i === 0) checkNoLeak(template, snapshot);
        snapshots({ ...id, snapshot });
        for (const insert of transitions) insert(id);
      }
    })();
  } finally {
    db.close();
  }
}

export interface IdleFixture {
  readonly dir: string;
  readonly path: string;
  readonly services: number;
  /** Transition rows each service carries (the template's real chain). */
  readonly transitionsPerService: number;
  /** Seconds spent building, for the log. */
  readonly seconds: number;
  remove(): void;
}

/**
 * A fresh database file holding `count` active services (plus the template itself, also
 * active), in a temp directory of its own. `count` 0 gives the empty reference: migrated,
 * no services.
 */
export async function buildIdleFixture(count: number, baseDomain: string): Promise<IdleFixture> {
  const began = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-bench-idle-'));
  const path = join(dir, 'provisiond.db');
  try {
    let perService = 0;
    if (count === 0) {
      openStore(path).close();
    } else {
      const template = await makeTemplate(path, baseDomain);
      perService = template.rows.transitions.length;
      // The template is one of the `count` services.
      writeClones(path, template, count - 1);
    }
    return {
      dir, path, services: count, transitionsPerService: perService, seconds: (performance.now() - began) / 1000,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
