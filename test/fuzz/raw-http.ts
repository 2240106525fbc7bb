/**
 * Bytes on a TCP socket, for what app.inject cannot express: malformed request lines, header
 * floods, duplicate or absurd framing headers, bodies cut short. Every exchange is bounded: the
 * client half-closes (or drops the connection) and stops listening after a deadline.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

export type Ending = 'half-close' | 'keep-open' | 'drop';

export interface Exchange {
  /** Everything the server sent before closing or the deadline. */
  readonly received: Buffer;
  /** The server closed the connection (rather than the deadline passing). */
  readonly closedByServer: boolean;
}

/** Writes `bytes`, then ends as asked; resolves with what came back. */
export function exchange(port: number, bytes: Buffer, ending: Ending, deadlineMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (closedByServer: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closedByServer });
    };
    const timer = setTimeout(() => finish(false), deadlineMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset or a write after the server hung up is an answer too: the server refused.
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      if (ending === 'drop') {
        // Half the request, then gone: the server must cope with a vanished client.
        socket.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => finish(true));
        return;
      }
      socket.write(bytes);
      if (ending === 'half-close') socket.end();
    });
  });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The first final (non-1xx) response in `bytes`, or undefined if none is complete. */
export function firstResponse(bytes: Buffer): RawResponse | undefined {
  let rest = bytes;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const [statusLine = '', ...lines] = rest.subarray(0, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (match === null) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`);
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    rest = rest.subarray(end + 4);
    if (status < 200) continue;
    return { status, headers, body: bodyOf(rest, headers) };
  }
}

function bodyOf(rest: Buffer, headers: Readonly<Record<string, string>>): string {
  // Another response follows at once: this one had no body, whatever its headers say (an
  // answer to HEAD keeps Content-Length; Node may answer twice: a 400 for a missing Host, then
  // a parse error).
  if (rest.subarray(0, 7).toString('latin1') === 'HTTP/1.') return '';
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n', at);
      if (lineEnd < 0) break;
      const size = parseInt(rest.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    return Buffer.concat(parts).toString('utf8');
  }
  // No length: the body runs to the close.
  const length = Number(headers['content-length'] ?? rest.length);
  return rest.subarray(0, length).toString('utf8');
}

/** A plain GET on a fresh connection (no pooling): the server still answers. */
export function getStatus(port: number, path: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { authorization }, timeout: 5_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}
