/**
 * What NPM's nginx (openresty) answers by itself: its stock error pages and the default site
 * for names no host claims.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export type DefaultSite = '404' | 'congratulations';

export function errorPage(status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  return (
    `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n` +
    '<hr><center>openresty</center>\r\n</body>\r\n</html>\r\n'
  );
}

/**
 * NPM's out-of-the-box default site is a 200 "Congratulations" page, so a bare "is it 200?"
 * check through the proxy succeeds even for a host NPM does not know. The sandbox defaults to
 * the "404 Page" setting; `congratulations` restores NPM's factory behaviour.
 */
const CONGRATULATIONS =
  '<!doctype html>\n<html>\n<head><title>Default Site</title></head>\n<body>\n' +
  '<h1>Congratulations!</h1>\n<p>You\'ve successfully started the Nginx Proxy Manager.</p>\n' +
  '<p>If you\'re seeing this site then you\'re trying to access a host that isn\'t set up yet.</p>\n' +
  '</body>\n</html>\n';

export function sendPage(res: ServerResponse, status: number, body = errorPage(status)): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    Server: 'openresty',
    'Content-Type': 'text/html',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendDefaultSite(res: ServerResponse, site: DefaultSite): void {
  if (site === 'congratulations') sendPage(res, 200, CONGRATULATIONS);
  else sendPage(res, 404);
}

/** The same pages on a raw socket (an upgrade request that is not upgraded). */
export function writeRawPage(socket: Duplex, status: number, site?: DefaultSite): void {
  const body = site === 'congratulations' ? CONGRATULATIONS : errorPage(status);
  writeRawResponse(socket, site === 'congratulations' ? 200 : status, { Server: 'openresty', 'Content-Type': 'text/html' }, Buffer.from(body));
}

export function writeRawResponse(
  socket: Duplex,
  status: number,
  headers: Readonly<Record<string, string | readonly string[]>>,
  body: Buffer,
): void {
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
  for (const [name, value] of Object.entries(headers)) {
    for (const item of typeof value === 'string' ? [value] : value) lines.push(`${name}: ${item}`);
  }
  lines.push(`Content-Length: ${body.length}`, 'Connection: close', '', '');
  // `Connection: close`, as nginx does after such an answer: written, then the socket is closed.
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), body]), () => socket.destroy());
}
