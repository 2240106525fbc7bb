/**
 * Feed subscribers, as their own process (so their parsing does not share the daemon's event
 * loop): WebSockets on /v1/events, live only. For every transition each one receives it notes
 * receipt time − the transition's `at` (the daemon's clock just before the commit that
 * publishes it; same machine, same clock, millisecond resolution).
 *
 *   tsx bench/load/feed-subscribers.ts   (with an IPC channel; prints {"msg":"subscribers ready"})
 * IPC, one group of sockets at a time:
 *   {type:'open', count, url, token}  → {type:'opened'} once every socket has had its hello
 *   {type:'report'}       → {type:'report', ...LatencySummary, closedEarly, received: {min, max}, cpuUs}
 *                           (cpuUs: this process's CPU time since the open, to tell whether
 *                           the subscribers rather than the daemon were the bottleneck)
 *
 * Cheap on purpose: 100 sockets at 1,000 transitions/s are 100,000 messages a second in one
 * process. A transition's `at` is read from the end of its bytes (the wire form ends with it,
 * src/server/wire.ts), not by parsing the whole message; anything else is parsed in full.
 *   {type:'close'}        → {type:'closed'} once every socket is closed
 */
import { WebSocket } from 'ws';
import { summarize } from './percentiles.js';

interface Open {
  readonly count: number;
  readonly url: string;
  readonly token: string;
}

const TRANSITION_PREFIX = Buffer.from('{"type":"transition",');
const AT_KEY = Buffer.from(',"at":');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const CLOSING_BRACE = 0x7d;

/**
 * The `at` of a transition message ending `,"at":<digits>}`, or undefined for anything else.
 * Inside a JSON string every `"` is escaped, so `,"at":` after the last string is the key.
 */
function transitionAt(data: Buffer): number | undefined {
  if (data.length < TRANSITION_PREFIX.length || data[data.length - 1] !== CLOSING_BRACE) return undefined;
  if (data.compare(TRANSITION_PREFIX, 0, TRANSITION_PREFIX.length, 0, TRANSITION_PREFIX.length) !== 0) return undefined;
  const key = data.lastIndexOf(AT_KEY);
  if (key < 0 || key + AT_KEY.length >= data.length - 1) return undefined;
  let at = 0;
  for (let i = key + AT_KEY.length; i < data.length - 1; i++) {
    const byte = data[i] ?? 0;
    if (byte < DIGIT_0 || byte > DIGIT_9) return undefined;
    at = at * 10 + (byte - DIGIT_0);
  }
  return at;
}

let sockets: WebSocket[] = [];
let cpuAtOpen = process.cpuUsage();
let delays: number[] = [];
let received: number[] = [];
/** Sockets the server closed while we were listening (1013: too slow) — a finding, not a crash. */
let closedEarly = 0;
let closing = false;

function open({ count, url, token }: Open): void {
  delays = [];
  received = new Array<number>(count).fill(0);
  closedEarly = 0;
  closing = false;
  cpuAtOpen = process.cpuUsage();
  let ready = 0;
  sockets = Array.from({ length: count }, (_, i) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const now = Date.now();
      let at = transitionAt(data);
      if (at === undefined) {
        const message = JSON.parse(data.toString()) as { type: string; at?: number };
        if (message.type === 'hello') {
          if (++ready === count) process.send?.({ type: 'opened' });
          return;
        }
        if (message.type !== 'transition' || message.at === undefined) return;
        at = message.at;
      }
      delays.push(now - at);
      received[i] = (received[i] ?? 0) + 1;
    });
    ws.on('close', () => {
      if (!closing) closedEarly++;
    });
    ws.on('error', (error) => process.stderr.write(`subscriber ${i}: ${error.message}\n`));
    return ws;
  });
}

function closeAll(): void {
  closing = true;
  let open = sockets.length;
  if (open === 0) process.send?.({ type: 'closed' });
  const one = (): void => {
    if (--open === 0) process.send?.({ type: 'closed' });
  };
  for (const ws of sockets) {
    // One the server closed already will not say 'close' again.
    if (ws.readyState === WebSocket.CLOSED) one();
    else {
      ws.once('close', one);
      ws.close();
    }
  }
  sockets = [];
}

process.on('message', (message: { type?: string } & Partial<Open>) => {
  if (message.type === 'open') open(message as Open);
  else if (message.type === 'close') closeAll();
  else if (message.type === 'report') {
    const cpu = process.cpuUsage(cpuAtOpen);
    process.send?.({
      type: 'report', ...summarize(delays), closedEarly, received: { min: Math.min(...received), max: Math.max(...received) }, cpuUs: cpu.user + cpu.system,
    });
  }
});
process.once('disconnect', () => process.exit(0));
// An orderly exit, so that --cpu-prof writes its profile (the benchmark stops us with SIGTERM).
process.once('SIGTERM', () => process.exit(0));
// Only now may the parent ask: a message sent before the listener above would be lost.
process.stdout.write(`${JSON.stringify({ msg: 'subscribers ready' })}\n`);
