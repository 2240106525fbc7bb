/**
 * A and TXT record functions (dns_rr_get/add/delete in remote.d/dns.inc.php), and
 * increase_serial(). With `update_serial` true, an add inserts the record FIRST and then bumps
 * the zone's serial through dns_zone_get + dns_zone_update (both permission-checked): a user
 * without those permissions gets `permission_denied` although the record was created. A delete
 * bumps the serial BEFORE deleting; for a record (or zone) that does not exist the bump reaches
 * updateQuery without an id and PHP dies in the panel's HTML error page ("Primary ID fehlt!").
 */
import type { FormDef } from './ispconfig-schema.js';
import { schema } from './ispconfig-schema.js';
import type { StoredValue } from './form-processor.js';
import { isScalar, phpEmpty, phpIntval, phpIsNumeric, phpString } from './php-semantics.js';
import type { RemoteDeps, RemoteFunction } from './remote-function.js';

type Kind = 'a' | 'txt';

/** YYYYMMDDnn: the next serial after `serial` on the (UTC) day of `now`. */
export function nextSerial(serial: string, now: number): string {
  const today = Number(new Date(now).toISOString().slice(0, 10).replaceAll('-', ''));
  let date = phpIntval(serial.slice(0, 8));
  let count = phpIntval(serial.slice(8, 10));
  if (date < today) return `${today}01`;
  count += 1;
  if (count > 99) {
    date += 1;
    count = 0;
  }
  return `${date}${String(count).padStart(2, '0')}`;
}

export function createRecordFunctions(deps: RemoteDeps, zoneFunctions: Record<string, RemoteFunction>): Record<string, RemoteFunction> {
  const { sessions, queries, tables, latency, now } = deps;
  const zoneFunction = (name: string): RemoteFunction => {
    const fn = zoneFunctions[name];
    if (fn === undefined) throw new Error(`zone function ${name} missing`);
    return fn;
  };
  // increase_serial() calls the public functions, so their permission checks apply.
  const zoneGet = zoneFunction('dns_zone_get');
  const zoneUpdate = zoneFunction('dns_zone_update');

  async function increaseSerial(sessionId: unknown, clientId: unknown, params: Readonly<Record<string, unknown>>): Promise<void> {
    let zone = params.zone ?? null;
    if (zone === null && params.dns_rr_id !== null && params.dns_rr_id !== undefined) {
      const id = params.dns_rr_id;
      zone = phpIsNumeric(id) ? (tables.get('dns_rr', Number(id))?.zone ?? null) : null;
    }
    const got = zoneGet({ session_id: sessionId, primary_id: zone });
    const soa = typeof got === 'object' && got !== null && !Array.isArray(got) ? (got as Record<string, string | null>) : {};
    const serial = nextSerial(soa.serial ?? '', now());
    await zoneUpdate({ session_id: sessionId, client_id: clientId, primary_id: soa.id ?? null, params: { ...soa, serial } });
  }

  /** NOTES: an A record duplicating an A (same data) or clashing with a CNAME/ALIAS of that name. */
  function duplicate(values: Readonly<Record<string, StoredValue>>): string {
    const clash = tables.all('dns_rr').some(
      (r) =>
        Number(r.zone) === Number(values.zone) &&
        String(r.name).toLowerCase() === String(values.name).toLowerCase() &&
        ((r.type === 'A' && String(r.data) === String(values.data)) || r.type === 'CNAME' || r.type === 'ALIAS'),
    );
    return clash ? 'data_error_duplicate<br />\r\n' : '';
  }

  function forKind(kind: Kind, form: FormDef): Record<string, RemoteFunction> {
    return {
      [`dns_${kind}_get`]: (a) => {
        sessions.checkPerm(a.session_id, `dns_${kind}_get`);
        return queries.getDataRecord(form, a.primary_id);
      },
      [`dns_${kind}_add`]: async (a) => {
        sessions.checkPerm(a.session_id, `dns_${kind}_add`);
        await latency.wait('ispconfig.api');
        const id = queries.insert(form, a.client_id, a.params, form.duplicateCheck === undefined ? undefined : duplicate);
        const params = typeof a.params === 'object' && a.params !== null ? (a.params as Record<string, unknown>) : {};
        if (!phpEmpty(a.update_serial)) await increaseSerial(a.session_id, a.client_id, params);
        return id;
      },
      [`dns_${kind}_delete`]: async (a) => {
        sessions.checkPerm(a.session_id, `dns_${kind}_delete`);
        await latency.wait('ispconfig.api');
        if (!phpEmpty(a.update_serial)) {
          const id = isScalar(a.primary_id) ? phpString(a.primary_id) : null;
          await increaseSerial(a.session_id, 0, { dns_rr_id: id });
        }
        return queries.delete(form, a.primary_id);
      },
    };
  }

  return { ...forKind('a', schema.forms.dns_a), ...forKind('txt', schema.forms.dns_txt) };
}
