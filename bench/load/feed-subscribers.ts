/**
 * Feed subscribers, as their own process (so their parsing does not share the daemon's event
 * loop): WebSockets on /v1/events, live only. For every transition each one receives it notes
 * receipt time − the transition's `at` (the daemon's clock just before the commit that
 * publishes it; same machine, same clock, millisecond resolution).
 *
 *   tsx bench/load/feed-subscribers.ts   (with an IPC channel; prints {"msg":"subscribers ready"})
 * IPC, one group of sockets at a time:
 *   {type:'open', count, url, token}  → {type:'opened'} once every socket has had its hello
 *   {type:'report'}       → {type:'report', ...LatencySummary, closedEarly, received: {min, max}}
 *   {type:'close'}        → {type:'closed'} once every socket is closed
 */
import { WebSocket } from 'ws';
import { summarize } from './percentiles.js';

interface Open {
  readonly count: number;
  readonly url: string;
  readonly token: string;
}

let sockets: WebSocket[] = [];
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
  let ready = 0;
  sockets = Array.from({ length: count }, (_, i) => {
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const now = Date.now();
      const message = JSON.parse(data.toString()) as { type: string; at?: number };
      if (message.type === 'hello') {
        if (++ready === count) process.send?.({ type: 'opened' });
        return;
      }
      if (message.type !== 'transition' || message.at === undefined) return;
      delays.push(now - message.at);
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
    process.send?.({ type: 'report', ...summarize(delays), closedEarly, received: { min: Math.min(...received), max: Math.max(...received) } });
  }
});
process.once('disconnect', () => process.exit(0));
// Only now may the parent ask: a message sent before the listener above would be lost.
process.stdout.write(`${JSON.stringify({ msg: 'subscribers ready' })}\n`);
