/**
 * The few programs a simulated container offers besides its shells: enough for a readiness
 * probe (`echo ready`, `true`), for verification (`test -f …`, `cat …`, `curl …`) and for small
 * scripts. Each behaves as its coreutils namesake does for the arguments it accepts; an option
 * it does not know is an error, never silently ignored.
 */
import { curl } from './curl-command.js';
import { isDirectory, isFile, listDirectory, normalisePath, readFile } from './container-fs.js';
import { lookup, type ContainerProcess } from './exec-io.js';

export type Program = (args: readonly string[], proc: ContainerProcess) => Promise<number>;

export const PROGRAMS: Readonly<Record<string, Program>> = {
  true: async () => 0,
  false: async () => 1,
  ':': async () => 0,
  echo,
  hostname,
  cat,
  test: async (args, proc) => test(args, proc, 'test'),
  '[': async (args, proc) => {
    if (args[args.length - 1] !== ']') {
      proc.io.err("[: missing `]'\n");
      return 2;
    }
    return test(args.slice(0, -1), proc, '[');
  },
  ls,
  sleep,
  curl,
};

async function echo(args: readonly string[], { io }: ContainerProcess): Promise<number> {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length && /^-[neE]+$/.test(args[i] as string); i++) {
    for (const flag of (args[i] as string).slice(1)) {
      if (flag === 'n') newline = false;
      else escapes = flag === 'e';
    }
  }
  let text = args.slice(i).join(' ');
  if (escapes) text = text.replace(/\\([nt\\])/g, (_, c: string) => ({ n: '\n', t: '\t', '\\': '\\' })[c] ?? c);
  io.out(newline ? `${text}\n` : text);
  return 0;
}

async function hostname(args: readonly string[], { io, container }: ContainerProcess): Promise<number> {
  const option = args[0];
  if (option === undefined || option === '-f' || option === '--fqdn' || option === '-s' || option === '--short') {
    const name = option === '-s' || option === '--short' ? container.hostname.split('.')[0] : container.hostname;
    io.out(`${name ?? container.hostname}\n`);
    return 0;
  }
  if (option === '-I' || option === '--all-ip-addresses') {
    io.out(container.ip === null ? '\n' : `${container.ip} \n`);
    return 0;
  }
  io.err(`hostname: invalid option -- '${option.replace(/^-+/, '')}'\n`);
  return 1;
}

async function cat(args: readonly string[], { io, container }: ContainerProcess): Promise<number> {
  if (args.length === 0 || (args.length === 1 && args[0] === '-')) {
    io.out(await io.readStdin());
    return 0;
  }
  let status = 0;
  for (const path of args) {
    const content = readFile(container, path);
    if (content !== undefined) io.out(content);
    else {
      io.err(`cat: ${path}: ${isDirectory(container, path) ? 'Is a directory' : 'No such file or directory'}\n`);
      status = 1;
    }
  }
  return status;
}

const FILE_TESTS: Readonly<Record<string, (proc: ContainerProcess, path: string) => boolean>> = {
  '-e': ({ container }, p) => isFile(container, p) || isDirectory(container, p),
  '-f': ({ container }, p) => isFile(container, p),
  '-d': ({ container }, p) => isDirectory(container, p),
  '-s': ({ container }, p) => (readFile(container, p) ?? '').length > 0,
  // root may read and write anything; only files this simulator knows are executable.
  '-r': ({ container }, p) => isFile(container, p) || isDirectory(container, p),
  '-w': ({ container }, p) => isFile(container, p) || isDirectory(container, p),
  '-L': () => false,
  '-h': () => false,
};

async function test(args: readonly string[], proc: ContainerProcess, name: string): Promise<number> {
  if (args[0] === '!') return negate(await test(args.slice(1), proc, name));
  const [a, b, c] = args;
  if (a === undefined) return 1;
  if (b === undefined) return a === '' ? 1 : 0;
  if (c === undefined) {
    const fileTest = lookup(FILE_TESTS, a);
    if (fileTest !== undefined) return fileTest(proc, b) ? 0 : 1;
    if (a === '-n') return b === '' ? 1 : 0;
    if (a === '-z') return b === '' ? 0 : 1;
    proc.io.err(`${name}: ${a}: unary operator expected\n`);
    return 2;
  }
  if (args.length > 3) {
    proc.io.err(`${name}: too many arguments\n`);
    return 2;
  }
  if (b === '=' || b === '==') return a === c ? 0 : 1;
  if (b === '!=') return a !== c ? 0 : 1;
  const numeric: Record<string, (x: number, y: number) => boolean> = {
    '-eq': (x, y) => x === y, '-ne': (x, y) => x !== y, '-lt': (x, y) => x < y,
    '-le': (x, y) => x <= y, '-gt': (x, y) => x > y, '-ge': (x, y) => x >= y,
  };
  const compare = lookup(numeric, b);
  if (compare === undefined) {
    proc.io.err(`${name}: ${b}: binary operator expected\n`);
    return 2;
  }
  for (const operand of [a, c]) {
    if (!/^\s*-?\d+\s*$/.test(operand)) {
      proc.io.err(`${name}: ${operand}: integer expression expected\n`);
      return 2;
    }
  }
  return compare(Number(a), Number(c)) ? 0 : 1;
}

const negate = (status: number): number => (status === 2 ? 2 : status === 0 ? 1 : 0);

async function ls(args: readonly string[], { io, container }: ContainerProcess): Promise<number> {
  const paths = args.filter((arg) => !/^-[1aAlh]+$/.test(arg));
  const unknown = paths.find((arg) => arg.startsWith('-'));
  if (unknown !== undefined) {
    io.err(`ls: invalid option -- '${unknown.slice(1, 2)}'\nTry 'ls --help' for more information.\n`);
    return 2;
  }
  let status = 0;
  const targets = paths.length === 0 ? ['.'] : paths;
  for (const path of targets) {
    if (isFile(container, path)) io.out(`${path}\n`);
    else if (isDirectory(container, path)) {
      if (targets.length > 1) io.out(`${path}:\n`);
      for (const name of listDirectory(container, normalisePath(path))) io.out(`${name}\n`);
    } else {
      io.err(`ls: cannot access '${path}': No such file or directory\n`);
      status = 2;
    }
  }
  return status;
}

/** `sleep N` takes N model seconds: the same scale as every other simulated duration. */
async function sleep(args: readonly string[], { io, latency }: ContainerProcess): Promise<number> {
  const seconds = Number(args[0]?.replace(/s$/, ''));
  if (args.length !== 1 || !Number.isFinite(seconds) || seconds < 0) {
    io.err(args.length === 0 ? 'sleep: missing operand\n' : `sleep: invalid time interval '${args[0]}'\n`);
    return 1;
  }
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000 * latency.scale));
  return 0;
}
