/**
 * SQL `LIKE`, as NPM's `?query=` uses it: `%` is any run, `_` any one character, ASCII case is
 * ignored (SQLite and MySQL defaults). On proxy hosts it runs over the JSON text of
 * `domain_names`, so `example.com` also finds `notexample.com` and `_` matches a dot.
 */
export function likeMatcher(pattern: string): (text: string) => boolean {
  let source = '';
  for (const char of pattern) {
    if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const regex = new RegExp(`^${source}$`, 'is');
  return (text) => regex.test(text);
}
