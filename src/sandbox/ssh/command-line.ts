/**
 * Turns one shell command line into argv without ever running a shell. `shell-quote` does the
 * tokenising; a scan in front of it rejects what it would silently get wrong (command
 * substitution inside double quotes stays literal there, `x#y` becomes a comment) and what the
 * simulator does not implement (operators, redirections, special parameters). A script that
 * passes here means the same thing to the real bash; one that does not is refused with exit 2.
 */
import { parse } from 'shell-quote';

export type ParsedLine =
  | { readonly ok: true; readonly argv: string[] }
  /** `message` has no shell prefix: the caller adds `bash: -c: line 1: ` or its own. */
  | { readonly ok: false; readonly message: string };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

const unsupported = (what: string): ParsedLine => ({
  ok: false,
  message: `${what} is not supported by the provisiond sandbox (one plain command per line)`,
});

/** Parse `line`, expanding `$NAME` / `${NAME}` from `vars` (unset → empty, as in bash). */
export function parseCommandLine(line: string, vars: Readonly<Record<string, string>>): ParsedLine {
  const scanned = scan(line);
  if (typeof scanned !== 'string') return scanned;
  const argv: string[] = [];
  for (const entry of parse(scanned, vars)) {
    if (typeof entry === 'string') argv.push(entry);
    else if ('comment' in entry) break;
    // An unmatched glob stays literal in bash (nullglob is off); the simulated disk has no
    // directory listing worth globbing against.
    else if (entry.op === 'glob') argv.push(entry.pattern);
    else return unsupported(`the operator '${entry.op}'`);
  }
  return { ok: true, argv };
}

/**
 * Walk the line tracking quotes. Returns the line to hand to shell-quote (mid-word `#`
 * escaped, since bash treats it as a literal there) or the reason it cannot be run.
 */
function scan(line: string): string | ParsedLine {
  let quote: '' | "'" | '"' = '';
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    const next = line[i + 1] ?? '';
    if (quote === "'") {
      if (c === "'") quote = '';
      out += c;
      continue;
    }
    if (c === '\\') {
      out += c + next;
      i++;
      continue;
    }
    if (c === '`') return unsupported('command substitution (`…`)');
    if (c === '$') {
      if (next === '(') return unsupported(next === line[i + 2] ? 'arithmetic expansion $((…))' : 'command substitution $(…)');
      if (next === '{') {
        const close = line.indexOf('}', i);
        const name = close < 0 ? '' : line.slice(i + 2, close);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return unsupported(`the parameter expansion \${${name}…}`);
      } else if (/[0-9?$#*@!-]/.test(next)) {
        return unsupported(`the special parameter $${next}`);
      }
    }
    if (quote === '"') {
      if (c === '"') quote = '';
      out += c;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    if (c === '#' && i > 0 && !/\s/.test(line[i - 1] as string)) {
      out += '\\#';
      continue;
    }
    out += c;
  }
  if (quote !== '') return { ok: false, message: `unexpected EOF while looking for matching \`${quote}'` };
  return out;
}

/** `NAME=value` words in front of a command are environment assignments for it. */
export function splitAssignments(argv: readonly string[]): { assignments: Record<string, string>; rest: string[] } {
  const assignments: Record<string, string> = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i] as string;
    const eq = word.indexOf('=');
    if (eq <= 0 || !isName(word.slice(0, eq))) break;
    assignments[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return { assignments, rest: argv.slice(i) };
}

export function isName(word: string): boolean {
  return word.length > 0 && NAME_START.test(word[0] as string) && [...word].every((c) => NAME_CHAR.test(c));
}
