/**
 * A Proxmox node's SSH endpoint, as the daemon uses it: `ssh root@<node> 'pct exec <vmid> --
 * …'`, public-key authentication only, one command per exec request, no shells or ptys.
 * Commands are parsed, never handed to a real shell (`pct-command.ts`, `container-shell.ts`).
 *
 * Operations (faults and counters):
 * - `ssh.exec` — every exec request. `status` fault: its message on stderr and its status as
 *   the exit code; `reset`: the TCP connection is destroyed; `timeout`: the command never
 *   answers; `latency`: added before it runs.
 * - `ssh.ct.<program>` — a `pct exec` by the program it runs in the CT (`ssh.ct.echo`,
 *   `ssh.ct.bash`, `ssh.ct.test`, `ssh.ct.curl`; see `containerProgram`), with the same fault
 *   kinds. Consulted only when `ssh.exec` drew no fault, so one command never spends two rules.
 * Latency: `ssh.exec` per command, `ssh.installer` for the simulated WordPress installer.
 * Per node, commands inside CTs are counted separately (`nodeCounts()`), since the daemon must
 * bound its SSH concurrency per node and `Faults` counts operations, not nodes.
 */
import { createServer, type Socket } from 'node:net';
import ssh2, { type Connection, type ServerChannel, type Session } from 'ssh2';
import type { Faults, OperationCounters } from '../core/faults.js';
import type { Latency } from '../core/timing.js';
import type { World } from '../core/world.js';
import { channelIo } from './channel-io.js';
import { containerProgram, runNodeCommand } from './pct-command.js';
import { parseAuthorizedKeys, publicKeyAuthenticator } from './public-key-auth.js';

export interface NodeSshOptions {
  readonly world: World;
  readonly faults: Faults;
  readonly latency: Latency;
  /** The host's private key (PEM or OpenSSH format). */
  readonly hostKey: string;
  /** OpenSSH public key lines, as in `authorized_keys`. */
  readonly authorizedKeys: readonly string[];
  /** The only user that may log in; default `root`. */
  readonly user?: string;
  /** Serve this node's CTs only (others "do not exist", as on a real node); default: every node's. */
  readonly node?: string;
}

export interface NodeSsh {
  listen(port: number, host?: string): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  /** Commands run inside CTs, by the CT's node: calls, in flight, most in flight at once. */
  nodeCounts(): Record<string, OperationCounters>;
}

const SHELL_REFUSAL = 'This endpoint runs commands only: use `ssh <node> pct exec <vmid> -- <command>`.\n';

export function createNodeSsh(options: NodeSshOptions): NodeSsh {
  const authenticate = publicKeyAuthenticator(options.user ?? 'root', parseAuthorizedKeys(options.authorizedKeys));
  const perNode = new Map<string, OperationCounters>();
  /** Sockets by remote `address|port`, so a `reset` fault can cut the right one. */
  const sockets = new Map<string, Socket>();

  const enter = (node: string): (() => void) => {
    const counter = perNode.get(node) ?? { calls: 0, inFlight: 0, maxInFlight: 0, faulted: 0 };
    perNode.set(node, counter);
    counter.calls++;
    counter.inFlight++;
    counter.maxInFlight = Math.max(counter.maxInFlight, counter.inFlight);
    let left = false;
    return () => {
      if (!left) counter.inFlight--;
      left = true;
    };
  };

  const exec = async (channel: ServerChannel, command: string, reset: () => void): Promise<void> => {
    const io = channelIo(channel);
    const outer = options.faults.begin('ssh.exec');
    const program = containerProgram(command);
    const inner = outer.fault === undefined && program !== undefined ? options.faults.begin(`ssh.ct.${program}`) : undefined;
    const fault = outer.fault ?? inner?.fault;
    const end = (): void => {
      outer.end();
      inner?.end();
    };
    channel.once('close', end);
    const finish = (status: number): void => {
      end();
      if (io.closed) return;
      channel.exit(status);
      channel.end();
    };
    try {
      if (fault?.kind === 'reset') return reset();
      // Never answer: `end` runs when the client gives up and closes the channel or connection.
      if (fault?.kind === 'timeout') return;
      if (fault?.kind === 'status') {
        const status = fault.status ?? 255;
        io.err(`${fault.message ?? `injected fault: exit status ${status}`}\n`);
        return finish(status);
      }
      if (fault?.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, fault.latencyMs ?? 0));
      await options.latency.wait('ssh.exec');
      finish(await runNodeCommand(command, { world: options.world, latency: options.latency, io, node: options.node, enter }));
    } catch (error) {
      io.err(`provisiond sandbox: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
      finish(255);
    }
  };

  const serveSession = (session: Session, reset: () => void): void => {
    session.on('exec', (accept, _reject, info) => {
      void exec(accept(), info.command, reset);
    });
    session.on('shell', (accept) => {
      const channel = accept();
      channel.stderr.write(SHELL_REFUSAL);
      channel.exit(1);
      channel.end();
    });
    // pty, env, subsystem (sftp), x11 and agent requests have no listener: ssh2 refuses them.
  };

  const ssh = new ssh2.Server({ hostKeys: [options.hostKey] }, (client: Connection, info) => {
    const socket = sockets.get(`${info.ip}|${info.port}`);
    const reset = (): void => {
      if (socket === undefined) client.end();
      else socket.destroy();
    };
    // A client that vanishes mid-session is not the server's problem.
    client.on('error', () => undefined);
    client.on('authentication', authenticate);
    client.on('ready', () => client.on('session', (accept) => serveSession(accept(), reset)));
  });

  const tcp = createServer((socket) => {
    // As a node's sshd does: no Nagle delay on an interactive protocol.
    socket.setNoDelay(true);
    const key = `${socket.remoteAddress}|${socket.remotePort}`;
    sockets.set(key, socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(key));
    ssh.injectSocket(socket);
  });

  return {
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, host, () => {
          tcp.off('error', reject);
          const address = tcp.address();
          if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
          else resolve({ host: address.address, port: address.port });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        for (const socket of sockets.values()) socket.destroy();
        if (!tcp.listening) resolve();
        else tcp.close(() => resolve());
      });
    },
    nodeCounts() {
      return Object.fromEntries([...perNode].map(([node, c]) => [node, { ...c }]));
    },
  };
}
