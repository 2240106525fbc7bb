/**
 * Live container status and usage for status replies, read from Proxmox on request. A slow or
 * failing Proxmox must not make status fail: the reading is bounded in time and its absence
 * is reported next to the record, which is always answered.
 */
import type { ContainerReading } from '../domain/container-reading.js';
import { isAppError } from '../errors.js';
import type { ServiceView } from '../actors/registry.types.js';


export type ReadContainer = (ref: { readonly serviceId: string; readonly vmid: number }, signal: AbortSignal) => Promise<ContainerReading | null>;

/** Longest a status reply waits for Proxmox. */
export const CONTAINER_READING_TIMEOUT_MS = 3_000;

/** States in which no container exists (yet, or any more). */
const NO_CONTAINER = new Set(['pending', 'allocating', 'deleted']);

export type ContainerField =
  | { readonly container: ReturnType<typeof readingToWire> | null }
  | { readonly container: null; readonly container_error: { readonly code: string; readonly message: string } };

function readingToWire(reading: ContainerReading) {
  return {
    status: reading.status,
    node: reading.node,
    cpu: reading.cpu,
    memory: { used_bytes: reading.memoryBytes, total_bytes: reading.maxMemoryBytes },
    disk: { used_bytes: reading.diskBytes, total_bytes: reading.maxDiskBytes },
    uptime_seconds: reading.uptimeSeconds,
  };
}

/** The `container` part of a status reply: a reading, null when there is none, or why it is missing. */
export async function containerField(read: ReadContainer | undefined, service: ServiceView): Promise<ContainerField> {
  if (read === undefined || NO_CONTAINER.has(service.state)) return { container: null };
  try {
    const reading = await read({ serviceId: service.serviceId, vmid: service.vmid }, AbortSignal.timeout(CONTAINER_READING_TIMEOUT_MS));
    return { container: reading === null ? null : readingToWire(reading) };
  } catch (error) {
    const code = isAppError(error) ? error.code : 'UPSTREAM_UNAVAILABLE';
    const message = isAppError(error) ? error.message : 'the container could not be read';
    return { container: null, container_error: { code, message } };
  }
}
