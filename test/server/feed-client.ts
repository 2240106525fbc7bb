/** A real `ws` client for the feed tests: records every message and how the socket closed. */
import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import { waitFor } from '../support/stack.js';
import type { transitionToWire } from '../../src/server/wire.js';

/** A transition as the feed sends it: the wire form plus its message type. */
export type FeedTransition = ReturnType<typeof transitionToWire> & { readonly type: 'transition' };

export interface FeedHello {
  readonly type: 'hello';
  readonly since: number;
  readonly last_seq: number;
  readonly service_id: string | null;
}

export interface FeedLog {
  readonly type: 'log';
  readonly service_id: string;
  readonly at: number;
  readonly line: string;
}

export interface ConnectOptions {
  readonly headers?: Record<string, string>;
  readonly protocols?: string[];
}

export class FeedClient {
  readonly messages: (FeedHello | FeedTransition | FeedLog)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly ws: WebSocket;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as FeedHello | FeedTransition));
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  /** Opens the feed and waits for the hello. */
  static async connect(url: string, options: ConnectOptions = {}): Promise<FeedClient> {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    const client = new FeedClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await waitFor(() => client.messages.length > 0, 5_000, 'the hello');
    return client;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get hello(): FeedHello {
    const first = this.messages[0];
    if (first?.type !== 'hello') throw new Error('the first message was not a hello');
    return first;
  }

  transitions(): FeedTransition[] {
    return this.messages.filter((message): message is FeedTransition => message.type === 'transition');
  }

  lastSeq(): number {
    return this.transitions().at(-1)?.seq ?? this.hello.since;
  }

  /** Wait until a transition with `seq` or later arrived. */
  async receivedThrough(seq: number, timeoutMs = 5_000): Promise<void> {
    await waitFor(() => this.lastSeq() >= seq, timeoutMs, `feed transition ${seq}`);
  }

  /** Stop reading from the TCP socket, so the server's send buffer fills up. */
  pauseReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.pause();
  }

  resumeReading(): void {
    (this.ws as unknown as { _socket: Socket })._socket.resume();
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }
}

/** Attempts an upgrade that should be refused; answers the HTTP status and JSON body. */
export function refusedUpgrade(url: string, options: ConnectOptions = {}): Promise<{ status: number; body: { error: Record<string, unknown> } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (_request, response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as { error: Record<string, unknown> } }));
    });
  });
}
