/**
 * The marks provisiond leaves on what it creates, and how it recognises them again. The
 * description line `provisiond:<serviceId>` is the proof of ownership; the tags `provisiond`
 * and `svc-<id>` are for people and for filtering in the PVE GUI (a sanitised tag can collide
 * between ids, so it never proves anything on its own).
 */
export const OWNER_TAG = 'provisiond';

export const marker = (serviceId: string): string => `provisiond:${serviceId}`;

/** PVE tags match `[a-z0-9_][a-z0-9_\-+.]*`: lower-case, everything else becomes `-`. */
export function serviceTag(serviceId: string): string {
  return `svc-${serviceId.toLowerCase().replace(/[^a-z0-9_\-+.]/g, '-')}`;
}

/** Does a free-text field (CT description, HA comment) carry our marker as one of its lines? */
export function carriesMarker(text: unknown, serviceId: string): boolean {
  if (typeof text !== 'string') return false;
  const wanted = marker(serviceId);
  return text.split('\n').some((line) => line.trim() === wanted);
}

/** HA resource and rule ids used for a container. */
export const haSid = (vmid: number): string => `ct:${vmid}`;
export const haRuleId = (vmid: number): string => `provisiond-${vmid}`;
/** The one PVE 8 HA group all our containers share. */
export const HA_GROUP = 'provisiond';
