/**
 * The daemon's JSON log destination: stdout, written asynchronously and in batches.
 *
 * Why batches: pino's asynchronous destination (sonic-boom) hands every line to the kernel as a
 * write of its own on libuv's thread pool as soon as the last one is done. At hundreds of
 * requests a second (one access line each, in turns of their own) that is a thread-pool round
 * trip per line, waking a pool thread and then the event loop for its completion: ~85–110 µs of
 * the process's CPU per access line against ~45–50 µs written in batches or synchronously
 * (measured at ~850 lines/s, docs/performance.md §4). Here lines wait in memory until
 * `batchBytes` are ready (one write for ~15 access lines) or `flushMs` has passed, so a quiet
 * daemon's lines still reach journald within a tenth of a second.
 *
 * Nothing is lost on a normal exit: pino registers the destination to be flushed synchronously
 * when the process exits, batch included. As before, only a SIGKILL can cut the last lines.
 * Why asynchronous at all: a slow reader of stdout (journald under load, a full pipe) must not
 * stall the event loop, as synchronous writes do while they wait for room.
 */
import { Buffer } from 'node:buffer';
import { pino } from 'pino';

export interface BatchedStdoutOptions {
  /** Default 1 (stdout). */
  readonly fd?: number;
  /** Bytes collected before they are written without waiting. Default 4,096. */
  readonly batchBytes?: number;
  /** The longest a line waits to be written. Default 100 ms. */
  readonly flushMs?: number;
}

export function batchedStdout(options: BatchedStdoutOptions = {}): pino.DestinationStream {
  const stream = pino.destination({ fd: options.fd ?? 1, sync: false, minLength: options.batchBytes ?? 4_096 });
  // Bytes handed over and not yet written: what the next tick must flush. sonic-boom writes on
  // its own once a batch is full, and a flush while a write is in flight does nothing, so the
  // count, not a flag, says whether anything is still waiting.
  let pendingBytes = 0;
  stream.on('write', (written: number) => {
    pendingBytes -= written;
  });
  const timer = setInterval(() => {
    if (pendingBytes > 0) stream.flush();
  }, options.flushMs ?? 100);
  // The log never keeps the process alive.
  timer.unref();
  const stop = (): void => clearInterval(timer);
  stream.once('close', stop);
  stream.once('error', stop);
  return {
    write(line: string): void {
      pendingBytes += Buffer.byteLength(line);
      stream.write(line);
    },
  };
}
