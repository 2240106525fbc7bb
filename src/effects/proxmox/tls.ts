/**
 * How the client trusts the Proxmox API's certificate. Verification is never switched off:
 * either the chain is checked against a CA (the cluster CA from `caFile`, else the system
 * store), or the leaf certificate must match a pinned SHA-256 fingerprint — or both.
 *
 * Pinning alone cannot be done inside `checkServerIdentity`: Node calls that only after the
 * chain verified, and the usual reason to pin is a self-signed node certificate whose CA the
 * daemon does not have. So with a pin and no CA the connector lets the handshake finish
 * without a chain check, then compares the leaf's fingerprint before undici may write a
 * single byte on the socket; a mismatch destroys the socket.
 */
import { readFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { AppError } from '../../errors.js';

export interface TrustOptions {
  readonly caFile?: string;
  readonly fingerprint?: string;
  readonly connectTimeoutMs: number;
}

/** Upper-case hex without colons, the form both sides are compared in. */
export function normaliseFingerprint(value: string): string {
  return value.replace(/:/g, '').toUpperCase();
}

/** The error a pin mismatch fails the request with (classified as a trust failure). */
export class PinMismatchError extends Error {
  readonly code = 'ERR_PROXMOX_PIN_MISMATCH';
  constructor(actual: string) {
    super(`the server certificate's SHA-256 fingerprint ${actual} does not match the pinned one`);
    this.name = 'PinMismatchError';
  }
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `cannot read proxmox.caFile ${file}: ${(error as Error).message}`, { system: 'proxmox', field: 'caFile' });
  }
}

/** undici's `connect` option for an https base URL. */
export function tlsConnector(options: TrustOptions): buildConnector.connector {
  const ca = options.caFile === undefined ? undefined : readCa(options.caFile);
  const pin = options.fingerprint === undefined ? undefined : normaliseFingerprint(options.fingerprint);
  const base = buildConnector({
    timeout: options.connectTimeoutMs,
    ...(ca === undefined ? {} : { ca }),
    // Without a pin the chain must verify. With a pin and no CA, the pin is the verification.
    rejectUnauthorized: pin === undefined || ca !== undefined,
  });
  if (pin === undefined) return base;
  return (connectOptions, callback) => {
    base(connectOptions, (error, socket) => {
      if (error !== null) return callback(error, null);
      const actual = normaliseFingerprint((socket as TLSSocket).getPeerCertificate().fingerprint256 ?? '');
      if (actual !== pin) {
        socket.destroy();
        return callback(new PinMismatchError(actual), null);
      }
      callback(null, socket);
    });
  };
}
