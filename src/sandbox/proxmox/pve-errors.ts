/**
 * Proxmox VE's error shapes (pve-manager PVE/HTTPServer.pm, pve-common PVE/Exception.pm): the
 * status line carries the first line of the message, the body is
 * `{"data":null,"message":"<text>\n"}` (plus `errors` for parameter problems), and every
 * response with status ≥ 400 closes the connection. 401s carry no body at all.
 */
import type { ErrorShape } from '../core/http-simulator.js';

/** What a handler throws to answer with a Proxmox error; anything else becomes a plain 500. */
export class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'PveError';
  }
}

/** `die "…\n"` in a handler: HTTP 500 with the text as message. */
export function pveDie(message: string): PveError {
  return new PveError(500, message);
}

/** `raise_param_exc`: 400 `Parameter verification failed.` with per-parameter errors. */
export function paramError(errors: Readonly<Record<string, string>>): PveError {
  return new PveError(400, 'Parameter verification failed.', errors);
}

/** `raise_perm_exc`: 403 `Permission check failed (<what>)`. */
export function permError(what: string): PveError {
  return new PveError(403, `Permission check failed (${what})`);
}

/** The status line may hold one line of latin-1 text only; Perl's `m/^(.*)$/m` keeps the first. */
function statusLine(message: string): string {
  const first = message.split('\n', 1)[0] ?? '';
  return first.replace(/[^\x20-\x7e\xa0-\xff]/g, '?');
}

export function formatPveError(status: number, message: string, errors?: Readonly<Record<string, string>>): ErrorShape {
  const text = message.endsWith('\n') ? message : `${message}\n`;
  const headers = { connection: 'close' };
  if (status === 401) {
    // pveproxy answers authentication failures with an empty body (only the status line).
    return { status, statusMessage: statusLine(message), headers, body: '' };
  }
  const body: Record<string, unknown> = { data: null };
  if (errors !== undefined) body.errors = errors;
  body.message = text;
  return { status, statusMessage: statusLine(message), headers: { ...headers, 'content-type': 'application/json;charset=UTF-8' }, body: JSON.stringify(body) };
}

/** The shape for anything a handler threw. */
export function shapeOf(error: unknown): ErrorShape {
  if (error instanceof PveError) return formatPveError(error.status, error.message, error.errors);
  const message = error instanceof Error ? error.message : String(error);
  return formatPveError(500, message);
}
