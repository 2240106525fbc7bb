/**
 * `--inspect` (or PROVISIOND_INSPECT=1): stream the live actor system — every service actor,
 * its custom-domain children and its effects — to the Stately inspector. DEVELOPMENT ONLY:
 * inspection events carry actors' context and events (addresses, domains, ownership tokens),
 * and the inspector UI is Stately's web page. E-mail addresses are replaced before anything
 * leaves; the rest is sent as it is.
 *
 * The events go to a relay on 127.0.0.1 only (the Stately package's own relay listens on
 * every interface and defaults to provisiond's port): it serves a page that embeds
 * Stately's inspector and hands it the events over a WebSocket. Only that page's origin, or
 * a client with no origin, may connect, so another site open in the browser cannot read them.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';
import { WebSocket, WebSocketServer } from 'ws';

/** Asked for by a `--inspect` argument (npm start -- --inspect, provisiond serve --inspect) or PROVISIOND_INSPECT=1. */
export function inspectRequested(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = (env.PROVISIOND_INSPECT ?? '').trim().toLowerCase();
  return argv.includes('--inspect') || flag === '1' || flag === 'true';
}

export const DEFAULT_INSPECT_PORT = 8081;

/** The relay's port: PROVISIOND_INSPECT_PORT, else 8081 (provisiond itself defaults to 8080). */
export function inspectPort(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PROVISIOND_INSPECT_PORT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_INSPECT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PROVISIOND_INSPECT_PORT: expected a port number, got "${raw}"`);
  return port;
}

export const INSPECT_WARNING =
  'INSPECTION IS ON (development only): every actor\'s context and events — addresses, domains, ownership tokens — are streamed to the Stately inspector page (e-mail addresses are replaced). Never use --inspect in production.';

export interface Inspector {
  /** The observer every actor is created with. */
  readonly inspect: Observer<InspectionEvent>;
  /** The page to open in a browser. */
  readonly url: string;
  close(): Promise<void>;
}

/** Events kept for a page that opens late (the inspector needs each actor's first event). */
const REPLAYED_EVENTS = 2_000;

const redactEmail = (key: string, value: unknown): unknown => (key === 'email' && typeof value === 'string' ? '[redacted]' : value);

/**
 * Every `email` property, wherever it sits (context, events, effect inputs, a literal
 * context in the machine definition, which is sent as a JSON string), is replaced. An event
 * that cannot be written as JSON is dropped: it is sent from a timer, where a throw would
 * take the daemon down.
 */
function serialize(event: StatelyInspectionEvent): string | undefined {
  try {
    const definition = 'definition' in event && event.definition !== undefined ? JSON.stringify(JSON.parse(event.definition), redactEmail) : undefined;
    return JSON.stringify(definition === undefined ? event : { ...event, definition }, redactEmail);
  } catch {
    return undefined;
  }
}

function bridgePage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>provisiond — Stately inspector</title>
<style>html, body, iframe { margin: 0; width: 100%; height: 100%; border: 0; }</style></head>
<body><iframe id="inspector" src="https://stately.ai/inspect"></iframe>
<script>
  // The inspector says when it listens; events that arrive before then wait.
  const frame = document.getElementById('inspector');
  const waiting = [];
  let ready = false;
  const deliver = (event) => frame.contentWindow.postMessage(event, 'https://stately.ai');
  addEventListener('message', (message) => {
    if (message.source !== frame.contentWindow || message.data?.type !== '@statelyai.connected') return;
    ready = true;
    waiting.splice(0).forEach(deliver);
  });
  const socket = new WebSocket('ws://' + location.host + '/events');
  socket.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (ready) deliver(event); else waiting.push(event);
  };
</script></body></html>
`;
}

export async function startInspector(options: { readonly port?: number; readonly logger: { warn(obj: object, msg: string): void } }): Promise<Inspector> {
  const sent: string[] = [];
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url !== '/' && request.url !== '/index.html')) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(bridgePage());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? inspectPort(), '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/`;
  const allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const sockets = new WebSocketServer({
    server,
    path: '/events',
    verifyClient: ({ req }: { req: IncomingMessage }) => req.headers.origin === undefined || allowedOrigins.has(req.headers.origin),
  });
  sockets.on('connection', (socket) => {
    for (const message of sent) socket.send(message);
  });

  // Loaded here, not at the top: a daemon started without --inspect (production) never pays
  // for the package (~100 ms of boot, docs/performance.md §5).
  const { createInspector } = await import('@statelyai/inspect');
  const inspector = createInspector({
    send(event) {
      const message = serialize(event);
      if (message === undefined) return;
      sent.push(message);
      if (sent.length > REPLAYED_EVENTS) sent.shift();
      for (const client of sockets.clients) if (client.readyState === WebSocket.OPEN) client.send(message);
    },
  });
  options.logger.warn({ url }, INSPECT_WARNING);
  return {
    inspect: inspector.inspect,
    url,
    close: async () => {
      inspector.stop();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
