/**
 * Host-key pinning. Proxmox nodes are known in advance, so there is no trust-on-first-use:
 * each node's key fingerprint is configured as `ssh-keygen -lf` prints it
 * (`SHA256:<base64 without padding>`), and a connection whose host key hashes to anything
 * else is refused before authentication — the private key is never offered to an impostor.
 */
import { createHash } from 'node:crypto';

/** `SHA256:<base64>` of a host key in SSH wire format (what ssh2 hands `hostVerifier`). */
export function sha256Fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Accept `SHA256:abc…`, `abc…` and padded base64 alike. */
export function normaliseFingerprint(pin: string): string {
  const bare = pin.trim().replace(/^SHA256:/i, '').replace(/=+$/, '');
  return `SHA256:${bare}`;
}

/** A verifier for ssh2's `hostVerifier`; `onReject` lets the caller classify the failure. */
export function pinnedHostVerifier(pins: string | readonly string[], onReject: () => void): (key: Buffer) => boolean {
  const accepted = new Set((typeof pins === 'string' ? [pins] : pins).map(normaliseFingerprint));
  return (key) => {
    if (accepted.has(sha256Fingerprint(key))) return true;
    onReject();
    return false;
  };
}
