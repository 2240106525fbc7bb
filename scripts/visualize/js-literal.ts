/**
 * Plain data as a JavaScript object literal, the way one writes a machine config by hand:
 * identifier keys unquoted, single-quoted strings, two-space indentation, and a small
 * object or list on one line. Key order is the objects' own, so the text changes only when
 * the data does.
 */
export type Literal = string | number | boolean | null | readonly Literal[] | { readonly [key: string]: Literal | undefined };

/** A value whose one-line form fits in this many characters is written on one line. */
const INLINE_WIDTH = 72;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function key(name: string): string {
  return IDENTIFIER.test(name) || /^(0|[1-9][0-9]*)$/.test(name) ? name : quote(name);
}

function entriesOf(value: { readonly [key: string]: Literal | undefined }): [string, Literal][] {
  return Object.entries(value).filter((entry): entry is [string, Literal] => entry[1] !== undefined);
}

function oneLine(value: Literal): string {
  if (value === null || typeof value !== 'object') return toLiteral(value);
  if (Array.isArray(value)) return `[${(value as readonly Literal[]).map(oneLine).join(', ')}]`;
  const entries = entriesOf(value as { readonly [key: string]: Literal | undefined });
  return entries.length === 0 ? '{}' : `{ ${entries.map(([name, item]) => `${key(name)}: ${oneLine(item)}`).join(', ')} }`;
}

export function toLiteral(value: Literal, depth = 0): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const flat = oneLine(value);
  if (flat.length <= INLINE_WIDTH) return flat;
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (Array.isArray(value)) {
    const items = value as readonly Literal[];
    return `[\n${items.map((item) => `${pad}${toLiteral(item, depth + 1)},`).join('\n')}\n${end}]`;
  }
  const entries = entriesOf(value as { readonly [key: string]: Literal | undefined });
  return `{\n${entries.map(([name, item]) => `${pad}${key(name)}: ${toLiteral(item, depth + 1)},`).join('\n')}\n${end}}`;
}
