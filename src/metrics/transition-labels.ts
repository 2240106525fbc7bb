/**
 * Prometheus labels of a committed transition. Label values must stay few (each distinct set
 * is a time series for ever), so a transition is counted by top-level state and event type
 * only: never by service id, step path or custom domain name.
 */
export interface TransitionLabels {
  /** `domain` when a custom domain's child actor caused it, else `service`. */
  readonly machine: 'service' | 'domain';
  readonly from: string;
  readonly to: string;
  readonly event: string;
}

/** "provisioning.building.site.install.running|provisioning.building.dnsRecord…" → "provisioning". */
export function topLevel(path: string | null): string {
  if (path === null) return 'none';
  return bounded(path.split(/[.|]/, 1)[0] ?? path);
}

/**
 * Child actors of custom domains are named `domain:<name>`, and their events carry that id
 * (`xstate.snapshot.domain:shop.example`): the name is cut off.
 */
export function eventType(event: string): string {
  return bounded(event.replace(/domain:.*$/s, 'domain'));
}

/** Anything unexpected still yields a short, tame label value. */
function bounded(text: string): string {
  const tame = text.replace(/[^A-Za-z0-9._:-]/g, '_');
  return tame.length > 80 ? tame.slice(0, 80) : tame;
}

export function transitionLabels(row: { readonly from: string | null; readonly to: string; readonly event: string }): TransitionLabels {
  const event = eventType(row.event);
  return { machine: event.endsWith('.domain') ? 'domain' : 'service', from: topLevel(row.from), to: topLevel(row.to), event };
}
