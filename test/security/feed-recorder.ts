/**
 * A feed client that keeps every message exactly as it arrived (the text, not a parse of it),
 * so the secret search sees what a dashboard would receive.
 */
import { WebSocket } from 'ws';
import type { Source } from './secret-search.js';

export class FeedRecorder {
  readonly messages: string[] = [];
  private readonly closed: Promise<void>;

  private constructor(
    readonly name: string,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data) => this.messages.push(String(data)));
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
  }

  /** Opens the feed; resolves once the server accepted the upgrade. */
  static async open(name: string, url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<FeedRecorder> {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    const recorder = new FeedRecorder(name, ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`${name}: the feed answered ${response.statusCode}`)));
    });
    return recorder;
  }

  /** How many messages of a type arrived so far (`transition`, `log`, `hello`). */
  count(type: string): number {
    return this.messages.filter((text) => (JSON.parse(text) as { type?: string }).type === type).length;
  }

  source(): Source {
    return { name: this.name, text: this.messages.join('\n') };
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/**
 * The status line of a refused upgrade (the server must answer before any 101). Resolves with
 * the HTTP status; rejects if the upgrade was accepted.
 */
export function refusedUpgradeStatus(url: string, options: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers ?? {} });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error(`the upgrade of ${new URL(url).pathname} was accepted`));
    });
    ws.on('error', () => undefined);
    ws.on('unexpected-response', (request, response) => {
      response.resume();
      request.destroy();
      resolve(response.statusCode ?? 0);
    });
  });
}
