/**
 * Runs one command on a Proxmox node over SSH and reports how it ended. Per node at most
 * `perNodeConcurrency` commands run at once (p-limit; the rest wait in order, visible through
 * `queue()`). Every command has a deadline; the caller's signal closes the channel. The client
 * never retries: a lost connection or a timeout is reported and the machine decides.
 *
 * The private key is handed to ssh2 only; it is never logged or put into an error.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import ssh2, { type Client, type ClientChannel } from 'ssh2';
import { AppError } from '../../errors.js';
import { lineSplitter } from './line-splitter.js';
import { createNodeConnections, type SshNodeTarget } from './node-connections.js';
import { cancelled, commandTimedOut, connectionLost, SYSTEM } from './ssh-errors.js';

export type { SshNodeTarget } from './node-connections.js';

export interface SshClientConfig {
  /** Where each node's sshd listens and which host key it must present. */
  readonly nodes: Readonly<Record<string, SshNodeTarget>> | ((node: string) => SshNodeTarget | undefined);
  /** PEM or OpenSSH private key; the matching public key is in each node's root authorized_keys. */
  readonly privateKey: string | Buffer;
  readonly passphrase?: string;
  /** Default 4 commands in flight per node. */
  readonly perNodeConcurrency?: number;
  /** TCP connect + SSH handshake + authentication; default 10 s. */
  readonly readyTimeoutMs?: number;
  /** SSH keepalive; three unanswered ones drop the connection. Default 15 s. */
  readonly keepaliveIntervalMs?: number;
}

export interface ExecRequest {
  readonly node: string;
  /** One command line for the node's login shell, built with shell-quote (pct-command.ts). */
  readonly command: string;
  /** Sent on stdin, then EOF. */
  readonly stdin?: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Used in error messages: "the readiness probe", "the WordPress installer". */
  readonly what: string;
  /** Each output line as it arrives (stdout and stderr alike). */
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  /** The remote exit status. Always present: a channel without one is reported as an error. */
  readonly code: number;
  /** Tails (the last 64 KiB) of each stream. */
  readonly stdout: string;
  readonly stderr: string;
}

export interface SshClient {
  exec(request: ExecRequest): Promise<ExecResult>;
  /** Commands running and waiting, per node. */
  queue(): Record<string, { active: number; pending: number }>;
  close(): void;
}

const TAIL_BYTES = 64 * 1024;

export function createSshClient(config: SshClientConfig): SshClient {
  const parsed = ssh2.utils.parseKey(config.privateKey, config.passphrase);
  if (parsed instanceof Error) {
    throw new AppError('CONFIG_INVALID', `the SSH private key cannot be used: ${parsed.message}`, { system: SYSTEM, field: 'ssh.privateKey' });
  }
  const nodes = config.nodes;
  const connections = createNodeConnections({
    targetOf: typeof nodes === 'function' ? nodes : (node) => (Object.hasOwn(nodes, node) ? nodes[node] : undefined),
    privateKey: config.privateKey,
    ...(config.passphrase === undefined ? {} : { passphrase: config.passphrase }),
    readyTimeoutMs: config.readyTimeoutMs ?? 10_000,
    keepaliveIntervalMs: config.keepaliveIntervalMs ?? 15_000,
  });
  const concurrency = config.perNodeConcurrency ?? 4;
  const limits = new Map<string, LimitFunction>();
  const limitOf = (node: string): LimitFunction => {
    let limit = limits.get(node);
    if (limit === undefined) {
      limit = pLimit(concurrency);
      limits.set(node, limit);
    }
    return limit;
  };

  const run = async (request: ExecRequest): Promise<ExecResult> => {
    const { node, signal, what } = request;
    if (signal.aborted) throw cancelled(node, what, signal.reason);
    let client: Client;
    try {
      client = await connections.acquire(node, signal);
    } catch (error) {
      if (signal.aborted) throw cancelled(node, what, signal.reason);
      throw error;
    }
    return runOnChannel(client, request, () => connections.discard(node, client));
  };

  return {
    exec: (request) => limitOf(request.node)(() => run(request)),
    queue() {
      return Object.fromEntries([...limits].map(([node, limit]) => [node, { active: limit.activeCount, pending: limit.pendingCount }]));
    },
    close: () => connections.closeAll(),
  };
}

function runOnChannel(client: Client, request: ExecRequest, discard: () => void): Promise<ExecResult> {
  const { node, what, signal } = request;
  return new Promise<ExecResult>((resolve, reject) => {
    let channel: ClientChannel | undefined;
    let settled = false;
    let code: number | undefined;
    let stdout = '';
    let stderr = '';
    let failure: AppError | undefined;

    const finish = (error?: AppError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      client.off('close', onConnectionClosed);
      if (error !== undefined) reject(error);
      else if (code === undefined) reject(connectionLost(node, what));
      else resolve({ code, stdout, stderr });
    };
    // Closing the channel hangs up on the remote command (sshd closes its pipes); the result
    // is then decided by why we closed it.
    const stop = (why: AppError): void => {
      failure ??= why;
      if (channel === undefined) finish(failure);
      else channel.close();
    };
    const onAbort = (): void => stop(cancelled(node, what, signal.reason));
    const onConnectionClosed = (): void => finish(failure ?? connectionLost(node, what));
    const timer = setTimeout(() => stop(commandTimedOut(node, what, request.timeoutMs)), request.timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    client.on('close', onConnectionClosed);

    const keep = (tail: string, chunk: string): string => {
      const joined = tail + chunk;
      return joined.length > TAIL_BYTES ? joined.slice(-TAIL_BYTES) : joined;
    };
    const splitters = {
      stdout: lineSplitter((line) => request.onLine?.(line, 'stdout')),
      stderr: lineSplitter((line) => request.onLine?.(line, 'stderr')),
    };

    try {
      client.exec(request.command, (error, stream) => {
        if (error !== undefined) {
          // The connection is unusable (channel refused, not connected): open a new one next time.
          discard();
          finish(failure ?? connectionLost(node, what));
          return;
        }
        channel = stream;
        if (settled || failure !== undefined) {
          stream.close();
          return;
        }
        stream.on('data', (chunk: Buffer) => {
          stdout = keep(stdout, chunk.toString('utf8'));
          splitters.stdout.push(chunk);
        });
        stream.stderr.on('data', (chunk: Buffer) => {
          stderr = keep(stderr, chunk.toString('utf8'));
          splitters.stderr.push(chunk);
        });
        stream.on('exit', (exitCode: number | null) => {
          if (typeof exitCode === 'number') code = exitCode;
        });
        stream.on('close', () => {
          splitters.stdout.flush();
          splitters.stderr.flush();
          finish(failure);
        });
        stream.end(request.stdin ?? '');
      });
    } catch {
      // ssh2 throws synchronously when the connection already went away.
      discard();
      finish(failure ?? connectionLost(node, what));
    }
  });
}
