/**
 * An SSH exec channel seen as a process's stdio: writes go to stdout/stderr until the channel
 * closes, stdin is collected until the client sends EOF (or the channel goes away).
 */
import type { ServerChannel } from 'ssh2';
import type { ExecIo } from './exec-io.js';

export function channelIo(channel: ServerChannel): ExecIo {
  let closed = false;
  let ended = false;
  let consumed = false;
  const chunks: Buffer[] = [];
  const waiting: (() => void)[] = [];
  const release = (): void => {
    for (const wake of waiting.splice(0)) wake();
  };
  channel.on('data', (chunk: Buffer) => chunks.push(chunk));
  channel.on('end', () => {
    ended = true;
    release();
  });
  channel.once('close', () => {
    closed = true;
    release();
  });
  return {
    out(text) {
      if (!closed) channel.write(text);
    },
    err(text) {
      if (!closed) channel.stderr.write(text);
    },
    async readStdin() {
      if (consumed) return '';
      consumed = true;
      if (!ended && !closed) await new Promise<void>((resolve) => waiting.push(resolve));
      return Buffer.concat(chunks).toString('utf8');
    },
    get closed() {
      return closed;
    },
  };
}
