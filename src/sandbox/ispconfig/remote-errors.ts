/**
 * How the real panel fails. A remote function throws a SoapFault, which json.php turns into
 * `{"code":"remote_fault","message":<text>,"response":false}` at HTTP 200 (the fault code itself
 * is lost: clients only ever see the text). When PHP dies instead — a TypeError on a non-scalar
 * parameter, `$app->error()` printing the panel's HTML error page — the body is not JSON at all.
 * Injected `status` faults use the same two shapes: 200 gives a remote_fault, anything else an
 * Apache error page.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorShape } from '../core/http-simulator.js';
import { schema } from './ispconfig-schema.js';
import { phpJsonEncode } from './php-semantics.js';

export type EnvelopeCode = 'ok' | 'remote_fault' | 'invalid_method' | 'invalid_class' | 'invalid_data';

/** A SoapFault: `faultCode` is only for readers of this code; the wire carries `message`. */
export class RemoteFault extends Error {
  constructor(
    readonly faultCode: string,
    message: string,
  ) {
    super(message);
  }
}

/** PHP stopped without reaching json_encode: the answer is whatever it printed. */
export class PhpDeath extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly contentType = 'text/html; charset=UTF-8',
  ) {
    super(`PHP died with HTTP ${status}`);
  }
}

/** `$app->error($msg)` prints interface/web/themes/default/templates/error.tpl.htm and dies. */
export function panelErrorPage(text: string): PhpDeath {
  const page = `<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n<div class="error">\n<h1>Error</h1>\n${text}\n</div>\n</body>\n</html>\n`;
  return new PhpDeath(200, page);
}

/** A PHP fatal error (uncaught TypeError) with display_errors off: HTTP 500, empty body. */
export function phpFatal(): PhpDeath {
  return new PhpDeath(500, '');
}

export interface Envelope {
  readonly code: EnvelopeCode;
  readonly message: string;
  readonly response: unknown;
}

export function envelope(code: EnvelopeCode, message: string, response: unknown = false): ErrorShape {
  return {
    status: 200,
    body: phpJsonEncode({ code, message, response } satisfies Envelope),
    headers: { 'content-type': schema.contentType },
  };
}

function apacheErrorPage(status: number, message: string): string {
  const reason = STATUS_CODES[status] ?? 'Error';
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${status} ${reason}</title>\n</head><body>\n<h1>${reason}</h1>\n<p>${message}</p>\n<hr>\n<address>Apache Server at localhost Port 8080</address>\n</body></html>\n`;
}

/** The `formatError` for injected `status` faults. */
export function formatIspconfigError(status: number, message: string): ErrorShape {
  if (status === 200) return envelope('remote_fault', message);
  return { status, body: apacheErrorPage(status, message), headers: { 'content-type': 'text/html; charset=iso-8859-1' } };
}
