/**
 * Watches the daemon's feed for services reaching `active` or `failed`, so a benchmark knows
 * when every provision it started has settled without polling the API (which would add load).
 */
import { WebSocket } from 'ws';

export interface SettleWatch {
  readonly active: number;
  readonly failed: number;
  /** Resolves once `count` services have settled; rejects after `timeoutMs` saying how far it got. */
  until(count: number, timeoutMs: number): Promise<void>;
  close(): void;
}

/** The top-level state of a feed `to` path ("provisioning.building.site|…" → "provisioning"). */
const top = (path: string): string => path.split(/[.|]/, 1)[0] ?? path;

export async function watchSettled(origin: string, token: string): Promise<SettleWatch> {
  const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/v1/events`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
  const active = new Set<string>();
  const failed = new Set<string>();
  let wake = (): void => undefined;
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const message = JSON.parse(data.toString()) as { type: string; service_id?: string; to?: string };
      if (message.type === 'hello') return resolve();
      if (message.type !== 'transition' || message.service_id === undefined || message.to === undefined) return;
      const state = top(message.to);
      if (state === 'active') active.add(message.service_id);
      else if (state === 'failed') failed.add(message.service_id);
      else return;
      wake();
    });
  });
  const watch: SettleWatch = {
    get active() {
      return active.size;
    },
    get failed() {
      return failed.size;
    },
    until: (count, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${active.size} active and ${failed.size} failed of ${count} after ${timeoutMs} ms`)), timeoutMs);
        wake = () => {
          if (active.size + failed.size < count) return;
          clearTimeout(timer);
          resolve();
        };
        wake();
      }),
    close: () => ws.close(),
  };
  return watch;
}
