/**
 * What remoting_lib does with a `params` object: for every field of the form (and only those —
 * "Invalid name/value pairs are ignored"), apply the SAVE filters, run the validators on the
 * filtered value, and convert it to what MySQL stores. A missing field is validated as '' and
 * stored as '' / 0 / the checkbox's unchecked value: the API has no defaults, so a client that
 * omits `active` gets an inactive record. Messages are raw language keys (remoting_lib loads no
 * wordbook), each followed by `<br />\r\n`.
 */
import { domainToASCII } from 'node:url';
import { isIP, isIPv4 } from 'node:net';
import type { FieldDef, FilterType, FormDef, ValidatorDef } from './ispconfig-schema.js';
import { isScalar, phpIntval, phpLess, phpString } from './php-semantics.js';
import { phpFatal } from './remote-errors.js';

export type StoredValue = string | number;

export interface ProcessedForm {
  readonly values: Readonly<Record<string, StoredValue>>;
  /** Concatenated error keys, '' when the record is valid. */
  readonly errors: string;
}

/** Answers the UNIQUE validator: does another row already hold this value? */
export type UniqueCheck = (field: string, value: string) => boolean;

function applyFilter(filter: FilterType, value: string): string {
  switch (filter) {
    case 'TOLOWER':
      return value.toLowerCase();
    case 'IDNTOASCII': {
      // Only non-ASCII names need Punycode; domainToASCII would reject `_acme-challenge`.
      if ([...value].every((c) => c.charCodeAt(0) < 0x80)) return value;
      return domainToASCII(value) || value;
    }
    case 'STRIPTAGS':
      return value.replace(/<script[^>]*?>.*?<\/script>/gis, '').replace(/<[^>]*>/g, '');
    case 'STRIPNL':
      return value.replace(/[\r\n]/g, '');
  }
}

function fails(validator: ValidatorDef, field: string, value: string, unique: UniqueCheck): boolean {
  switch (validator.type) {
    case 'NOTEMPTY':
      return value === '';
    case 'UNIQUE':
      return unique(field, value);
    case 'REGEX':
      // tform_base appends the `s` modifier to every validator regex.
      return !new RegExp(validator.regex ?? '', 's').test(value);
    case 'RANGE': {
      const [min = '', max = ''] = (validator.range ?? ':').split(':');
      return (min !== '' && phpLess(value, min)) || (max !== '' && phpLess(max, value));
    }
    case 'ISIPV4':
      return !isIPv4(value);
    case 'IP_LIST':
      if (validator.allowempty === true && value === '') return false;
      return value.split(validator.separator ?? ',').some((part) => isIP(part.trim()) === 0);
  }
}

function store(def: FieldDef, value: string): StoredValue {
  if (def.datatype === 'INTEGER') return phpIntval(value);
  let stored = value;
  if (def.formtype === 'CHECKBOX' && stored === '' && def.checkbox !== undefined) stored = def.checkbox[0];
  if (def.enum !== undefined) {
    // MySQL ENUM: case-insensitive match stores the canonical value; anything else stores ''.
    stored = def.enum.find((option) => option.toLowerCase() === stored.toLowerCase()) ?? '';
  }
  return stored;
}

/**
 * Validate and convert `params` against `form`. A non-scalar value (array or object) makes
 * PHP's string functions throw a TypeError: the request dies with an empty HTTP 500.
 */
export function processForm(form: FormDef, params: Readonly<Record<string, unknown>>, unique: UniqueCheck): ProcessedForm {
  const values: Record<string, StoredValue> = {};
  let errors = '';
  for (const [field, def] of Object.entries(form.fields)) {
    const raw = Object.hasOwn(params, field) ? params[field] : null;
    if (raw !== null && !isScalar(raw)) throw phpFatal();
    let value = phpString(raw);
    for (const filter of def.filters ?? []) value = applyFilter(filter, value);
    for (const validator of def.validators ?? []) {
      if (fails(validator, field, value, unique)) errors += `${validator.errmsg}<br />\r\n`;
    }
    values[field] = store(def, value);
  }
  return { values, errors };
}
