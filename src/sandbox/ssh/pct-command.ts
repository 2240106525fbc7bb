/**
 * The node's side of an SSH exec: sshd hands the command line to root's bash, which here knows
 * `pct` and a few builtins. `pct exec <vmid> [--keep-env 0|1] -- <argv…>` behaves as in
 * pve-container's PVE/CLI/pct.pm: the CT's config must exist on this node
 * (`PVE::AbstractConfig::load_config`: "Configuration file 'nodes/<node>/lxc/<vmid>.conf' does
 * not exist"), the CT must run ("container '<vmid>' not running!"), and then `lxc-attach`
 * execs argv directly, so the exit status is the command's own. pct's own failures are Perl
 * `die`s out of the CLI handler: the message on stderr and exit 255.
 */
import type { Latency } from '../core/timing.js';
import type { World, WorldContainer } from '../core/world.js';
import { parseCommandLine, splitAssignments } from './command-line.js';
import { PROGRAMS } from './container-commands.js';
import { runProgram } from './container-shell.js';
import { lookup, ROOT_ENV, type ExecIo } from './exec-io.js';

export interface NodeShell {
  readonly world: World;
  readonly latency: Latency;
  readonly io: ExecIo;
  /** The node this endpoint is; undefined serves every node's CTs. */
  readonly node: string | undefined;
  /** Count a command running inside a CT on `node`; returns the function that ends the count. */
  enter(node: string): () => void;
}

const PCT_DIED = 255;
const EXEC_USAGE = 'pct exec <vmid> [<extra-args>] [OPTIONS]\n';
/** pct's other subcommands exist on a real node but are not simulated. */
const PCT_COMMANDS = new Set(['config', 'console', 'cpusets', 'create', 'delsnapshot', 'destroy', 'df', 'enter', 'fsck',
  'fstrim', 'help', 'list', 'listsnapshot', 'migrate', 'mount', 'move-volume', 'pending', 'pull', 'push', 'reboot',
  'remote-migrate', 'rescan', 'resize', 'restore', 'resume', 'rollback', 'set', 'shutdown', 'snapshot', 'start', 'stop',
  'suspend', 'template', 'unlock', 'unmount', 'clone']);
/** The node-side builtins: bash's own, plus hostname. */
const NODE_PROGRAMS = new Set(['true', 'false', ':', 'echo', 'hostname']);

export async function runNodeCommand(command: string, shell: NodeShell): Promise<number> {
  const parsed = parseCommandLine(command, ROOT_ENV);
  if (!parsed.ok) {
    shell.io.err(`bash: -c: line 1: ${parsed.message}\n`);
    return 2;
  }
  const { assignments, rest } = splitAssignments(parsed.argv);
  const [name, ...args] = rest;
  if (name === undefined) return 0;
  if (name === 'pct' || name === '/usr/sbin/pct') return pct(args, assignments, shell);
  const program = NODE_PROGRAMS.has(name) ? lookup(PROGRAMS, name) : undefined;
  if (program !== undefined) return program(args, { ...shell, container: nodeAsContainer(shell), env: ROOT_ENV });
  shell.io.err(`bash: line 1: ${name}: not available on the simulated node (it runs pct exec, pct status and shell builtins)\n`);
  return 127;
}

async function pct(args: string[], env: Record<string, string>, shell: NodeShell): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'exec') return pctExec(rest, env, shell);
  if (sub === 'status') {
    const found = findContainer(rest[0], 'pct status <vmid> [OPTIONS]\n', shell);
    if (typeof found === 'number') return found;
    shell.io.out(`status: ${found.status}\n`);
    return 0;
  }
  if (sub !== undefined && PCT_COMMANDS.has(sub)) {
    shell.io.err(`pct ${sub}: not simulated by the provisiond sandbox (only exec and status are)\n`);
    return PCT_DIED;
  }
  shell.io.err(sub === undefined ? 'ERROR: no command specified\n' : `ERROR: unknown command 'pct ${sub}'\n`);
  shell.io.err('USAGE: pct <COMMAND> [ARGS] [OPTIONS]\n');
  return PCT_DIED;
}

async function pctExec(args: string[], callerEnv: Record<string, string>, shell: NodeShell): Promise<number> {
  const positional: string[] = [];
  let extra: string[] | undefined;
  let keepEnv = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (extra !== undefined) extra.push(arg);
    else if (arg === '--') extra = [];
    else if (arg === '--keep-env' || arg === '-keep-env') {
      const value = args[++i] ?? '';
      if (!['0', '1'].includes(value)) return die(shell, `400 Parameter verification failed.\nkeep-env: type check ('boolean') failed - got '${value}'\n${EXEC_USAGE}`);
      keepEnv = value === '1';
    } else if (arg.startsWith('-')) return die(shell, `Unknown option: ${arg.replace(/^-+/, '')}\n400 unable to parse option\n${EXEC_USAGE}`);
    else positional.push(arg);
  }
  const found = findContainer(positional[0], EXEC_USAGE, shell);
  if (typeof found === 'number') return found;
  if (found.status !== 'running') return die(shell, `container '${found.vmid}' not running!\n`);
  const argv = [...positional.slice(1), ...(extra ?? [])];
  if (argv.length === 0) return die(shell, 'missing command\n');

  const leave = shell.enter(found.node);
  try {
    // --keep-env (the default) passes the caller's environment through lxc-attach.
    const env = keepEnv ? { ...ROOT_ENV, ...callerEnv } : { ...ROOT_ENV };
    const status = await runProgram(argv, { world: shell.world, latency: shell.latency, io: shell.io, container: found, env });
    if (status !== undefined) return status;
    // lxc's attach.c: SYSERROR("Failed to exec \"%s\"") and 127 for ENOENT (source line omitted).
    shell.io.err(`lxc-attach: ${found.vmid}: attach.c: lxc_attach_run_command: No such file or directory - Failed to exec "${argv[0]}"\n`);
    return 127;
  } finally {
    leave();
  }
}

/** `load_config` on this node, with the CLI's parameter checks for the vmid before it. */
function findContainer(raw: string | undefined, usage: string, shell: NodeShell): WorldContainer | number {
  if (raw === undefined) return die(shell, `400 not enough arguments\n${usage}`);
  if (!/^\d+$/.test(raw)) return die(shell, `400 Parameter verification failed.\nvmid: type check ('integer') failed - got '${raw}'\n${usage}`);
  const vmid = Number(raw);
  if (vmid < 100 || vmid > 999_999_999) {
    const bound = vmid < 100 ? 'minimum value of 100' : 'maximum value of 999999999';
    return die(shell, `400 Parameter verification failed.\nvmid: value must have a ${bound}\n${usage}`);
  }
  const container = shell.world.containers.get(vmid);
  if (container === undefined || (shell.node !== undefined && container.node !== shell.node)) {
    // Serving every node, there is no single local node name to put in the path.
    return die(shell, `Configuration file 'nodes/${shell.node ?? 'localhost'}/lxc/${vmid}.conf' does not exist\n`);
  }
  return container;
}

/**
 * The program a `pct exec` command line runs inside the CT (its basename, looked up through
 * `env [-i] [NAME=value]…`), or undefined for any other command line. The node's SSH endpoint
 * names the fault operation `ssh.ct.<program>` after it, so that a fault can hit one step of
 * the daemon's (`echo`: readiness, `bash`: the installer, `test`/`curl`: verification) and not
 * the others, which all share `ssh.exec`.
 */
export function containerProgram(command: string): string | undefined {
  const parsed = parseCommandLine(command, ROOT_ENV);
  if (!parsed.ok) return undefined;
  const [name, sub, ...args] = splitAssignments(parsed.argv).rest;
  if ((name !== 'pct' && name !== '/usr/sbin/pct') || sub !== 'exec') return undefined;
  const separator = args.indexOf('--');
  let argv = separator < 0 ? args.slice(1) : args.slice(separator + 1);
  const basename = (word: string): string => word.slice(word.lastIndexOf('/') + 1);
  if (argv[0] !== undefined && basename(argv[0]) === 'env') {
    let rest = argv.slice(1);
    while (rest[0]?.startsWith('-') === true) rest = rest.slice(1);
    argv = splitAssignments(rest).rest;
  }
  return argv[0] === undefined ? undefined : basename(argv[0]);
}

function die(shell: NodeShell, message: string): number {
  shell.io.err(message);
  return PCT_DIED;
}

/** The node itself, for the builtins that only need a hostname and output streams. */
function nodeAsContainer(shell: NodeShell): WorldContainer {
  return { vmid: 0, node: shell.node ?? 'localhost', status: 'running', ip: null, hostname: shell.node ?? 'localhost', files: new Map() };
}
