/**
 * The handful of PHP behaviours the real panel's answers depend on: what `empty()` and
 * `intval()` make of JSON values, how `<` compares numeric and non-numeric strings (PHP 8),
 * MySQL's case-insensitive `LIKE`, and `json_encode`'s escaping. The simulator is only
 * faithful if its edge cases come out the way PHP's do.
 */

export type Scalar = string | number | boolean;

export function isScalar(value: unknown): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** PHP `empty()`: null, '', '0', 0, false and [] are empty. */
export function phpEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === '' || value === '0' || value === 0) return true;
  if (Array.isArray(value)) return value.length === 0;
  return false;
}

/** PHP string conversion of a scalar: true → '1', false → ''. */
export function phpString(value: Scalar | null | undefined): string {
  if (value === null || value === undefined || value === false) return '';
  if (value === true) return '1';
  return String(value);
}

const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;

/** PHP `is_numeric()`. */
export function phpIsNumeric(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  return typeof value === 'string' && NUMERIC.test(value);
}

/** PHP `intval()` of a scalar: leading numeric prefix, else 0 ("3600s" → 3600, "abc" → 0). */
export function phpIntval(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'string') return 0;
  const prefix = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(value);
  return prefix === null ? 0 : Math.trunc(Number(prefix[0]));
}

/** PHP 8 `$a < $b` for strings: numeric if both are numeric strings, else byte order. */
export function phpLess(a: string, b: string): boolean {
  if (phpIsNumeric(a) && phpIsNumeric(b)) return Number(a) < Number(b);
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0;
}

/** MySQL `value LIKE pattern` under a case-insensitive collation: `%` any run, `_` one char. */
export function sqlLike(value: string, pattern: string): boolean {
  const source = [...pattern]
    .map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 'is').test(value);
}

/** PHP `json_encode()` with default flags: `/` becomes `\/`, non-ASCII becomes `\uXXXX`. */
export function phpJsonEncode(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
