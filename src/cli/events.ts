/**
 * `services events`: the daemon's WebSocket feed (src/server/feed.ts) printed as lines until
 * Ctrl-C. Transitions arrive in seq order; a reader the daemon finds too slow is closed with
 * 1013 and comes back from the last seq it printed, so nothing is skipped or repeated.
 */
import WebSocket from 'ws';
import { FEED_PATH, FEED_PROTOCOL } from '../server/feed.js';
import { CommandFailure, EXIT, type CliContext } from './context.js';
import { DaemonClient, unreachable } from './daemon-client.js';
import { formatTime } from './table.js';

export interface EventsOptions {
  readonly since?: number;
  readonly service?: string;
  readonly logs?: boolean;
  readonly json?: boolean;
}

const CLOSE_GOING_AWAY = 1001;
const CLOSE_TRY_AGAIN_LATER = 1013;

type Message =
  | { type: 'hello'; since: number; last_seq: number }
  | { type: 'transition'; seq: number; service_id: string; from: string | null; to: string; event: string; step: string | null; error: { code: string; message: string } | null; at: number }
  | { type: 'log'; service_id: string; at: number; line: string };

function describe(message: Message): string | undefined {
  if (message.type === 'transition') {
    // The state it came from is the previous line's: only where it went is printed.
    const error = message.error === null ? '' : `  ${message.error.code}: ${message.error.message}`;
    return `${formatTime(message.at)}  #${message.seq}  ${message.service_id}  ${message.event} → ${message.to}${error}`;
  }
  if (message.type === 'log') return `${formatTime(message.at)}  ${message.service_id} | ${message.line}`;
  return undefined;
}

type Ending = { readonly code: number } | { readonly reconnectFrom: number };

function feedUrl(client: DaemonClient, options: EventsOptions, since: number | undefined): string {
  const query = new URLSearchParams();
  if (since !== undefined) query.set('since', String(since));
  if (options.service !== undefined) query.set('service_id', options.service);
  if (options.logs === true) query.set('logs', 'true');
  const text = query.toString();
  return `${client.url.replace(/^http/, 'ws')}${FEED_PATH}${text === '' ? '' : `?${text}`}`;
}

/** One connection, until Ctrl-C, a close, or a refusal. */
function followOnce(client: DaemonClient, options: EventsOptions, since: number | undefined, context: CliContext): Promise<Ending> {
  return new Promise((resolve, reject) => {
    let lastSeq = since;
    let stopping = false;
    let opened = false;
    const ws = new WebSocket(feedUrl(client, options, since), [FEED_PROTOCOL], { headers: { authorization: client.authorization() }, handshakeTimeout: 15_000 });
    const stop = (): void => {
      stopping = true;
      ws.close(1000, 'bye');
      // A daemon that does not answer the close frame must not keep Ctrl-C waiting.
      setTimeout(() => ws.terminate(), 1_000).unref();
    };
    const cleanUp = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      context.stdout.off('error', stop);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // The reader went away (`| head`): that is an ending, not a crash.
    context.stdout.on('error', stop);

    ws.on('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        cleanUp();
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(body);
        } catch {
          // Not our daemon's JSON error: the status alone says it.
        }
        reject(client.refusal(response.statusCode ?? 0, parsed));
      });
    });
    ws.on('open', () => (opened = true));
    ws.on('error', (error) => {
      if (opened) return; // 'close' follows and decides
      cleanUp();
      reject(unreachable(client.url, error));
    });
    ws.on('message', (data) => {
      const text = data.toString();
      let message: Message;
      try {
        message = JSON.parse(text) as Message;
      } catch {
        // The protocol sends JSON only; anything else is shown as it came rather than crash.
        context.stdout.write(`${text}\n`);
        return;
      }
      if (message.type === 'transition') lastSeq = message.seq;
      // Live only (no --since): the feed starts after the seq its hello names.
      if (message.type === 'hello') lastSeq ??= message.since;
      if (options.json === true) context.stdout.write(`${text}\n`);
      else if (message.type === 'hello') context.stderr.write(`following ${client.url}${options.service === undefined ? '' : ` for service ${options.service}`}: last seq ${message.last_seq}; Ctrl-C stops\n`);
      else context.stdout.write(`${describe(message) ?? text}\n`);
    });
    ws.on('close', (code, reason) => {
      if (!opened) return; // a refusal or an error ends it
      cleanUp();
      if (stopping) return resolve({ code: EXIT.ok });
      if (code === CLOSE_TRY_AGAIN_LATER) return resolve({ reconnectFrom: lastSeq ?? 0 });
      const why = code === CLOSE_GOING_AWAY ? 'the daemon is shutting down' : `the feed closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ''})`;
      reject(new CommandFailure(`${why}; resume with --since ${lastSeq ?? 0}`));
    });
  });
}

export async function followEvents(options: EventsOptions, context: CliContext): Promise<number> {
  const client = DaemonClient.fromEnvironment(context.env);
  let since = options.since;
  for (;;) {
    const ending = await followOnce(client, options, since, context);
    if ('code' in ending) return ending.code;
    context.stderr.write(`the daemon found this reader too slow; reconnecting from seq ${ending.reconnectFrom}\n`);
    since = ending.reconnectFrom;
  }
}
