/**
 * Typed view of `schema.json`: the vendored facts about the remote API this simulator serves
 * (function signatures and permissions, form definitions with their validators, table
 * columns, fault texts). Kept as data so that tests can check responses against it.
 */
import schemaJson from './schema.json' with { type: 'json' };

export type Datatype = 'INTEGER' | 'VARCHAR' | 'TEXT';
export type Formtype = 'TEXT' | 'SELECT' | 'CHECKBOX' | 'CHECKBOXARRAY' | 'TEXTAREA';
export type FilterType = 'IDNTOASCII' | 'TOLOWER' | 'STRIPTAGS' | 'STRIPNL';

export interface ValidatorDef {
  readonly type: 'NOTEMPTY' | 'UNIQUE' | 'REGEX' | 'RANGE' | 'ISIPV4' | 'IP_LIST';
  readonly errmsg: string;
  readonly regex?: string;
  readonly range?: string;
  readonly allowempty?: boolean;
  readonly separator?: string;
}

export interface FieldDef {
  readonly datatype: Datatype;
  readonly formtype: Formtype;
  readonly filters?: readonly FilterType[];
  readonly validators?: readonly ValidatorDef[];
  /** CHECKBOX: [unchecked, checked]; an empty value stores the unchecked one. */
  readonly checkbox?: readonly [string, string];
  /** The DB column is an ENUM: values are matched case-insensitively, anything else stores ''. */
  readonly enum?: readonly string[];
}

export interface FormDef {
  readonly table: 'dns_soa' | 'dns_rr';
  readonly fields: Readonly<Record<string, FieldDef>>;
  readonly duplicateCheck?: string;
}

export interface MethodDef {
  /** PHP parameter names, matched by name against the JSON body. */
  readonly params: readonly string[];
  /** The remote_functions entry checkPerm() requires; null for login/logout. */
  readonly permission: string | null;
}

export interface IspconfigSchema {
  readonly contentType: string;
  readonly sessionTimeoutSeconds: number;
  readonly messages: Readonly<Record<MessageKey, string>>;
  readonly methods: Readonly<Record<string, MethodDef>>;
  readonly zoneGetIdRegex: string;
  readonly tables: {
    readonly dns_soa: { readonly columns: readonly string[] };
    readonly dns_rr: { readonly columns: readonly string[]; readonly typeEnum: readonly string[] };
  };
  readonly forms: { readonly dns_soa: FormDef; readonly dns_a: FormDef; readonly dns_txt: FormDef };
}

export type MessageKey = keyof typeof schemaJson.messages;

export const schema = schemaJson as unknown as IspconfigSchema;

/** The fault text for a key of `schema.messages`. */
export function message(key: MessageKey): string {
  return schema.messages[key];
}
