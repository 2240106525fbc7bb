/**
 * A WebSocket client on a bare TCP socket: it sends the upgrade request it is given, byte for
 * byte, then reads either the HTTP refusal or the 101 and the frames that follow. Every wait
 * has a deadline.
 */
import { connect, type Socket } from 'node:net';
import { FrameReader } from './ws-frames.js';

export interface RawUpgrade {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The refusal's body (empty after a 101). */
  readonly body: string;
  readonly socket: Socket;
  readonly frames: FrameReader;
  /** True once the server closed the connection. */
  closed(): boolean;
  /** Resolves when `predicate` holds or `ms` passes; answers whether it held. */
  until(predicate: () => boolean, ms: number): Promise<boolean>;
}

export function rawUpgrade(port: number, request: Buffer, timeoutMs = 3_000): Promise<RawUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const frames = new FrameReader();
    let head: Buffer = Buffer.alloc(0);
    let parsed: { status: number; headers: Record<string, string>; rest: Buffer } | undefined;
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer to the upgrade within ${timeoutMs} ms: ${head.toString('latin1').slice(0, 200)}`));
    }, timeoutMs);
    const waiters = new Set<() => void>();
    const wake = (): void => waiters.forEach((waiter) => waiter());
    const result = (body: string): RawUpgrade => ({
      status: parsed?.status ?? 0,
      headers: parsed?.headers ?? {},
      body,
      socket,
      frames,
      closed: () => closed,
      until: (predicate, ms) =>
        new Promise((done) => {
          if (predicate()) return done(true);
          const check = (): void => {
            if (!predicate()) return;
            cleanup();
            done(true);
          };
          const expire = setTimeout(() => {
            cleanup();
            done(predicate());
          }, ms);
          const cleanup = (): void => {
            clearTimeout(expire);
            waiters.delete(check);
          };
          waiters.add(check);
        }),
    });
    const finishRefusal = (): void => {
      if (parsed === undefined) return;
      const length = Number(parsed.headers['content-length'] ?? Number.NaN);
      if (!(parsed.rest.length >= length) && !closed) return;
      clearTimeout(timer);
      resolve(result(parsed.rest.subarray(0, Number.isNaN(length) ? undefined : length).toString('utf8')));
    };
    socket.on('data', (chunk: Buffer) => {
      if (parsed?.status === 101) {
        frames.push(chunk);
        return wake();
      }
      if (parsed !== undefined) {
        parsed.rest = Buffer.concat([parsed.rest, chunk]);
        return finishRefusal();
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine = '', ...lines] = head.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) headers[line.slice(0, line.indexOf(':')).trim().toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      parsed = { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, rest: head.subarray(end + 4) };
      if (parsed.status === 101) {
        clearTimeout(timer);
        frames.push(parsed.rest);
        resolve(result(''));
        return wake();
      }
      finishRefusal();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      finishRefusal();
      wake();
    });
    socket.on('connect', () => socket.write(request));
  });
}
