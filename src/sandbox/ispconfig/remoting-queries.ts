/**
 * The generic data functions of remoting.inc.php / remoting_lib.inc.php that every DNS
 * function is built from: insertQuery, updateQuery, deleteQuery and getDataRecord. Their quirks
 * are the real API's: getDataRecord answers null for a missing id, all rows for -1, a filtered
 * list for an object; deleteQuery interpolates the id into SQL; updateQuery without an id dies
 * in `$app->error("Primary ID fehlt!")`.
 */
import type { FormDef } from './ispconfig-schema.js';
import { message } from './ispconfig-schema.js';
import { DnsTables, ownerOf, type Row } from './dns-tables.js';
import { processForm, type StoredValue } from './form-processor.js';
import { isScalar, phpIntval, phpIsNumeric, phpString, sqlLike } from './php-semantics.js';
import { RemoteFault, panelErrorPage, phpFatal } from './remote-errors.js';

type Params = Readonly<Record<string, unknown>>;

const ZERO_STAMP = '0000-00-00 00:00:00';
const DEFAULTS: Record<FormDef['table'], Row> = {
  dns_soa: { dnssec_initialized: 'N', dnssec_last_signed: 0 },
  dns_rr: { aux: 0 },
};

/** A JSON object or array is a PHP array; anything else is not. */
function asPhpArray(value: unknown): Params | null {
  return typeof value === 'object' && value !== null ? (value as Params) : null;
}

function sqlError(detail: string, sql: string): RemoteFault {
  return new RemoteFault('database_error', `${detail} ${sql}`);
}

/** The id as PHP interpolates it into `WHERE id = <id>`; SQL errors for anything not a number. */
function interpolatedId(value: unknown, sql: (id: string) => string): number {
  const text = isScalar(value) ? phpString(value) : value === null || value === undefined ? '' : 'Array';
  if (phpIsNumeric(text)) return Number(text);
  if (/^[A-Za-z_]\w*$/.test(text)) throw sqlError(`Unknown column '${text}' in 'where clause'`, sql(text));
  const near = `${text} AND 1`.trim();
  throw sqlError(`You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near '${near}' at line 1`, sql(text));
}

export class RemotingQueries {
  constructor(private readonly tables: DnsTables) {}

  /** getDataRecord(): one row (or null), all rows for -1, a filtered list for an object. */
  getDataRecord(form: FormDef, primaryId: unknown): unknown {
    const table = form.table;
    if (phpIsNumeric(primaryId)) {
      const id = Number(primaryId);
      if (id > 0) {
        const row = this.tables.get(table, id);
        return row === undefined ? null : DnsTables.wire(table, row);
      }
      if (id === -1) return this.tables.all(table).map((r) => DnsTables.wire(table, r));
      throw new RemoteFault('invalid_id', message('invalid_id'));
    }
    const filter = asPhpArray(primaryId);
    if (filter === null) return [];
    let rows = this.tables.all(table).map((r) => DnsTables.wire(table, r));
    let offset = 0;
    let limit = 0;
    for (const [key, raw] of Object.entries(filter)) {
      if (key === '#OFFSET#') offset = phpIntval(raw);
      else if (key === '#LIMIT#') limit = phpIntval(raw);
      else {
        // `stristr($val, '%')` picks LIKE, else `=`; both compare case-insensitively in MySQL.
        const want = isScalar(raw) ? phpString(raw) : '';
        rows = rows.filter((r) => (want.includes('%') ? sqlLike(r[key] ?? '', want) : (r[key] ?? '').toLowerCase() === want.toLowerCase()));
      }
    }
    return limit > 0 ? rows.slice(offset, offset + limit) : rows;
  }

  /** insertQuery(): validate `params` against the form, insert, answer the new id (a number). */
  insert(form: FormDef, clientId: unknown, rawParams: unknown, extraErrors: (values: Readonly<Record<string, StoredValue>>) => string = () => ''): number {
    const params = asPhpArray(rawParams);
    if (params === null) {
      // _encode() skips a non-array record; the INSERT then writes NULL into NOT NULL columns.
      const columns = Object.keys(form.fields).map((f) => `\`${f}\``).join(', ');
      throw sqlError("Column 'server_id' cannot be null", `INSERT INTO \`${form.table}\` (${columns}, \`sys_userid\`, \`sys_groupid\`, \`sys_perm_user\`, \`sys_perm_group\`, \`sys_perm_other\`) VALUES (…)`);
    }
    const processed = processForm(form, params, (field, value) => this.taken(form, field, value, 0));
    const errors = processed.errors + extraErrors(processed.values);
    if (errors !== '') throw new RemoteFault('data_processing_error', errors);
    const values = { ...processed.values };
    if (form.table === 'dns_rr' && !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(String(values.stamp ?? ''))) values.stamp = ZERO_STAMP;
    return this.tables.insert(form.table, values, ownerOf(phpIntval(clientId)), DEFAULTS[form.table]);
  }

  /** updateQuery(): merge `params` over the stored row, validate, update, answer affected rows. */
  update(form: FormDef, clientId: unknown, primaryId: unknown, rawParams: unknown): number {
    // getDataRecord() runs first: an id of 0 or below (other than -1) is refused as invalid_id.
    const stored = this.getDataRecord(form, primaryId);
    const old = typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as Params) : {};
    const params = asPhpArray(rawParams);
    if (params === null && rawParams !== null && rawParams !== undefined) throw phpFatal();
    const merged = { ...old, ...params };
    // _getSQL(): `if($primary_id != 0) … else $app->error("Primary ID fehlt!")`.
    if (primaryId === null || primaryId === undefined || primaryId === false) {
      throw panelErrorPage(message('primary_id_missing'));
    }
    const id = interpolatedId(primaryId, (text) => `UPDATE \`${form.table}\` SET … WHERE 1 AND id = ${text}`);
    const processed = processForm(form, merged, (field, value) => this.taken(form, field, value, id));
    if (processed.errors !== '') throw new RemoteFault('data_processing_error', processed.errors);
    const values: Record<string, StoredValue> = { ...processed.values };
    const client = phpIntval(clientId);
    if (client > 0) {
      // An update with client_id > 0 moves the row to that client (remoting_lib's sys_* rewrite).
      const owner = ownerOf(client);
      values.sys_userid = owner.userId;
      values.sys_groupid = owner.groupId;
    }
    return this.tables.update(form.table, id, values);
  }

  /** deleteQuery(): `DELETE FROM <table> WHERE id = <primary_id> AND 1`, answers affected rows. */
  delete(form: FormDef, primaryId: unknown): number {
    this.getDataRecord(form, primaryId);
    const id = interpolatedId(primaryId, (text) => `DELETE FROM \`${form.table}\` WHERE id = ${text} AND 1`);
    return Number.isInteger(id) ? this.tables.delete(form.table, id) : 0;
  }

  /** The UNIQUE validator: another row (not `exceptId`) with the same value, collation-insensitive. */
  private taken(form: FormDef, field: string, value: string, exceptId: number): boolean {
    return this.tables.all(form.table).some((r) => r.id !== exceptId && String(r[field] ?? '').toLowerCase() === value.toLowerCase());
  }
}
