/**
 * One SSH connection per Proxmox node, opened on first use and reused for every command on
 * that node (each command is its own exec channel; OpenSSH allows 10 sessions per connection,
 * we run at most the per-node limit at once). A connection that errors or closes is forgotten,
 * and the next command opens a fresh one: nothing is retried here — the failed command fails,
 * the machine decides whether to try again. Concurrent first commands share one handshake.
 */
import ssh2, { type Client } from 'ssh2';
import { pinnedHostVerifier } from './host-key.js';
import { connectFailed } from './ssh-errors.js';

export interface SshNodeTarget {
  readonly host: string;
  /** Default 22. */
  readonly port?: number;
  /** Default `root` (pct needs it). */
  readonly username?: string;
  /** The node's host key fingerprint(s), `SHA256:<base64>` as `ssh-keygen -lf` prints it. */
  readonly hostKeySha256: string | readonly string[];
}

export interface ConnectionSettings {
  readonly targetOf: (node: string) => SshNodeTarget | undefined;
  readonly privateKey: string | Buffer;
  readonly passphrase?: string;
  readonly readyTimeoutMs: number;
  readonly keepaliveIntervalMs: number;
}

export interface NodeConnections {
  /** The node's open connection, connecting first if needed. */
  acquire(node: string, signal: AbortSignal): Promise<Client>;
  /** Forget a connection that misbehaved (and close it). */
  discard(node: string, client: Client): void;
  closeAll(): void;
}

export function createNodeConnections(settings: ConnectionSettings): NodeConnections {
  const open = new Map<string, Promise<Client>>();
  const live = new Map<string, Client>();

  const forget = (node: string, client?: Client): void => {
    if (client !== undefined && live.get(node) !== client) return;
    open.delete(node);
    live.delete(node);
  };

  const connect = (node: string): Promise<Client> =>
    new Promise<Client>((resolve, reject) => {
      const target = settings.targetOf(node);
      if (target === undefined) {
        reject(connectFailed(node, new Error(`no SSH address is configured for node "${node}"`), false));
        return;
      }
      const client = new ssh2.Client();
      // Each running command listens for the connection closing; the per-node limit bounds them.
      client.setMaxListeners(0);
      let hostKeyRejected = false;
      let ready = false;
      client.on('error', (error) => {
        if (!ready) reject(connectFailed(node, error, hostKeyRejected));
        forget(node, client);
      });
      client.on('close', () => {
        if (!ready) reject(connectFailed(node, new Error('the server closed the connection during the handshake'), hostKeyRejected));
        forget(node, client);
      });
      client.once('ready', () => {
        ready = true;
        // Commands are short request/answer exchanges: with Nagle's algorithm each one waits
        // ~40 ms for the peer's delayed ACK (measured by bench/time-to-live: readiness and
        // verification took 45–90 ms per call instead of 8).
        client.setNoDelay(true);
        live.set(node, client);
        resolve(client);
      });
      try {
        client.connect({
          host: target.host,
          port: target.port ?? 22,
          username: target.username ?? 'root',
          privateKey: settings.privateKey,
          ...(settings.passphrase === undefined ? {} : { passphrase: settings.passphrase }),
          readyTimeout: settings.readyTimeoutMs,
          keepaliveInterval: settings.keepaliveIntervalMs,
          keepaliveCountMax: 3,
          hostVerifier: pinnedHostVerifier(target.hostKeySha256, () => {
            hostKeyRejected = true;
          }),
          // Only the configured key: no agent, no password, no keyboard-interactive fallback.
          tryKeyboard: false,
        });
      } catch (error) {
        reject(connectFailed(node, error, false));
      }
    });

  return {
    acquire(node, signal) {
      let pending = open.get(node);
      if (pending === undefined) {
        pending = connect(node);
        open.set(node, pending);
        // A failed handshake must not be cached: the next command tries afresh.
        pending.catch(() => {
          if (open.get(node) === pending) open.delete(node);
        });
      }
      if (signal.aborted) return Promise.reject(signal.reason);
      // Another command may share this handshake: a caller's abort only stops its own wait.
      return new Promise<Client>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        (pending as Promise<Client>).then(
          (client) => {
            signal.removeEventListener('abort', onAbort);
            resolve(client);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    },
    discard(node, client) {
      forget(node, client);
      client.end();
    },
    closeAll() {
      for (const client of live.values()) client.end();
      open.clear();
      live.clear();
    },
  };
}
