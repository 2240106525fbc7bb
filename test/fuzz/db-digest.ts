/**
 * A digest of every table of the daemon's SQLite file, read through a second, read-only
 * connection (WAL lets it see exactly what was committed). The webhook inbox is kept apart:
 * every command that reaches the registry is recorded there by design, even one it refuses
 * (and so is the inbox's AUTOINCREMENT counter in sqlite_sequence).
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';

export interface DbDigest {
  /** Per table but the inbox: a hash of its rows (sorted: some tables have no rowid). */
  readonly tables: Readonly<Record<string, string>>;
  readonly inboxRows: number;
}

const json = (row: unknown): string => JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));

export class DbReader {
  private readonly db: Database.Database;
  private cached: { readonly version: number; readonly digest: DbDigest } | undefined;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  digest(): DbDigest {
    // data_version moves whenever another connection commits: unchanged, so is the digest.
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (this.cached?.version === version) return this.cached.digest;
    const digest = this.read();
    this.cached = { version, digest };
    return digest;
  }

  private read(): DbDigest {
    const tables: Record<string, string> = {};
    let inboxRows = 0;
    // One read transaction: every table is read at the same point in time.
    this.db.transaction(() => {
      const names = this.db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      for (const name of names) {
        if (name === 'inbox') {
          inboxRows = this.db.prepare<[], number>('SELECT count(*) FROM inbox').pluck().get() ?? 0;
          continue;
        }
        const where = name === 'sqlite_sequence' ? " WHERE name <> 'inbox'" : '';
        const rows = this.db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"${where}`).raw().all();
        tables[name] = createHash('sha256').update(rows.map(json).sort().join('\n')).digest('hex').slice(0, 16);
      }
    })();
    return { tables, inboxRows };
  }

  close(): void {
    this.db.close();
  }
}
