/**
 * How a container runs a program: `env`, the shells (`bash`/`sh` with `-c`, `-s`, a script file
 * or stdin) and the programs of `container-commands.ts`. Scripts run line by line, each line one
 * plain command parsed without a shell, always with `set -e` semantics: the first failing line
 * ends the script with its status. Compound commands are refused (exit 2) rather than guessed.
 * A script carrying the installer's marker is not interpreted but simulated (`wordpress-installer.ts`).
 */
import { isDirectory, readFile } from './container-fs.js';
import { PROGRAMS } from './container-commands.js';
import { isName, parseCommandLine, splitAssignments } from './command-line.js';
import { isAlive, KILLED, lookup, type ContainerProcess } from './exec-io.js';
import { isInstallerScript, runInstaller } from './wordpress-installer.js';

const BIN_DIRS = ['/bin', '/usr/bin', '/usr/local/bin', '/sbin', '/usr/sbin'];
const COMPOUND = new Set(['if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac',
  'function', 'select', '{', '}', '[[', '((', 'time', 'coproc']);

/** Run argv as `execvp` would; `undefined` when no such program exists. */
export async function runProgram(argv: readonly string[], proc: ContainerProcess): Promise<number | undefined> {
  const [path, ...args] = argv;
  if (path === undefined) return 0;
  const slash = path.lastIndexOf('/');
  if (slash >= 0 && !BIN_DIRS.includes(path.slice(0, slash))) return undefined;
  const name = path.slice(slash + 1);
  if (name === 'env') return env(args, proc);
  if (name === 'bash' || name === 'sh') return shell(name, args, proc);
  return lookup(PROGRAMS, name)?.(args, proc);
}

/** `env [-i] [NAME=VALUE]… [COMMAND [ARG]…]` (coreutils). */
async function env(args: readonly string[], proc: ContainerProcess): Promise<number> {
  let base: Readonly<Record<string, string>> = proc.env;
  let rest = [...args];
  if (rest[0] === '-i' || rest[0] === '--ignore-environment') {
    base = {};
    rest = rest.slice(1);
  } else if (rest[0] === '--') rest = rest.slice(1);
  if (rest[0]?.startsWith('-') === true) {
    proc.io.err(`env: invalid option -- '${rest[0].slice(1, 2)}'\nTry 'env --help' for more information.\n`);
    return 125;
  }
  const { assignments, rest: command } = splitAssignments(rest);
  const environment = { ...base, ...assignments };
  if (command.length === 0) {
    proc.io.out(Object.entries(environment).map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  }
  const status = await runProgram(command, { ...proc, env: environment });
  if (status !== undefined) return status;
  proc.io.err(`env: '${command[0]}': No such file or directory\n`);
  return 127;
}

interface Dialect {
  syntax(line: number, message: string): string;
  notFound(line: number, command: string): string;
}

function dialect(name: 'bash' | 'sh', source: string): Dialect {
  if (name === 'sh') {
    // dash, Debian's /bin/sh
    return { syntax: (n, m) => `sh: ${n}: ${m}\n`, notFound: (n, c) => `sh: ${n}: ${c}: not found\n` };
  }
  const where = source === '-c' ? 'bash: -c' : source === '' ? 'bash' : `bash: ${source}`;
  return {
    syntax: (n, m) => `${where}: line ${n}: ${m}\n`,
    notFound: (n, c) => `${source === '' || source === '-c' ? 'bash' : source}: line ${n}: ${c}: command not found\n`,
  };
}

async function shell(name: 'bash' | 'sh', args: readonly string[], proc: ContainerProcess): Promise<number> {
  let fromArgument = false;
  let operand: string | undefined;
  for (let i = 0; i < args.length && operand === undefined; i++) {
    const arg = args[i] as string;
    if (arg === '--login' || arg === '--noprofile' || arg === '--norc') continue;
    if (arg === '-o' || arg === '+o') {
      i++;
      continue;
    }
    if (/^[-+][ceilsuxv]+$/.test(arg)) {
      if (arg.includes('c')) fromArgument = true;
      continue;
    }
    if (arg.startsWith('-') && arg !== '-') {
      proc.io.err(`${name}: ${arg}: invalid option\n`);
      return 2;
    }
    operand = arg;
  }
  let script: string;
  let source = '';
  if (fromArgument) {
    if (operand === undefined) {
      proc.io.err(`${name}: -c: option requires an argument\n`);
      return 2;
    }
    script = operand;
    source = '-c';
  } else if (operand !== undefined && operand !== '-') {
    const content = readFile(proc.container, operand);
    if (content === undefined) {
      proc.io.err(`${name}: ${operand}: No such file or directory\n`);
      return 127;
    }
    script = content;
    source = operand;
  } else script = await proc.io.readStdin();
  if (isInstallerScript(script)) return runInstaller(proc);
  return runScript(script, dialect(name, source), proc);
}

async function runScript(script: string, speak: Dialect, proc: ContainerProcess): Promise<number> {
  const vars: Record<string, string> = { ...proc.env };
  let status = 0;
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const text = (lines[i] as string).replace(/\r$/, '').trim();
    if (text === '' || text.startsWith('#')) continue;
    if (proc.io.closed) return 129;
    if (!isAlive(proc)) return KILLED;
    const first = text.split(/\s+/)[0] as string;
    if (COMPOUND.has(first) || text.endsWith('\\')) {
      proc.io.err(speak.syntax(lineNo, `'${COMPOUND.has(first) ? first : '\\'}': compound commands and continued lines are not supported by the provisiond sandbox`));
      return 2;
    }
    const parsed = parseCommandLine(text, vars);
    if (!parsed.ok) {
      proc.io.err(speak.syntax(lineNo, parsed.message));
      return 2;
    }
    const { assignments, rest } = splitAssignments(parsed.argv);
    const [command, ...args] = rest;
    if (command === undefined) {
      Object.assign(vars, assignments);
      status = 0;
      continue;
    }
    const builtin = lookup(BUILTINS, command);
    if (builtin !== undefined) {
      const outcome = builtin(args, vars, status, proc);
      if ('exit' in outcome) return outcome.exit;
      status = outcome.status;
    } else {
      const ran = await runProgram(rest, { ...proc, env: { ...vars, ...assignments } });
      if (ran === undefined) proc.io.err(speak.notFound(lineNo, command));
      status = ran ?? 127;
    }
    if (status !== 0) return status;
  }
  return status;
}

type Builtin = (args: string[], vars: Record<string, string>, last: number, proc: ContainerProcess) =>
  { status: number } | { exit: number };

/** Shell builtins that change the shell itself, which a child program could not do. */
const BUILTINS: Readonly<Record<string, Builtin>> = {
  // `set -e`/`-u`/`-o pipefail` and friends: errexit is always on here, the rest changes nothing.
  set: () => ({ status: 0 }),
  export: (args, vars) => assign(args, vars),
  readonly: (args, vars) => assign(args, vars),
  unset: (args, vars) => {
    for (const name of args) Reflect.deleteProperty(vars, name);
    return { status: 0 };
  },
  cd: (args, _vars, _last, proc) => {
    const dir = args[0] ?? '/root';
    if (isDirectory(proc.container, dir)) return { status: 0 };
    proc.io.err(`cd: ${dir}: No such file or directory\n`);
    return { status: 1 };
  },
  exit: (args, _vars, last, proc) => {
    if (args[0] === undefined) return { exit: last };
    if (!/^-?\d+$/.test(args[0])) {
      proc.io.err(`exit: ${args[0]}: numeric argument required\n`);
      return { exit: 2 };
    }
    return { exit: ((Number(args[0]) % 256) + 256) % 256 };
  },
};

function assign(args: string[], vars: Record<string, string>): { status: number } {
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq > 0 && isName(arg.slice(0, eq))) vars[arg.slice(0, eq)] = arg.slice(eq + 1);
  }
  return { status: 0 };
}
