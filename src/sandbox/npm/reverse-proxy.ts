/**
 * NPM's nginx as a reverse proxy, really proxying: a request whose Host is a name of a loaded
 * proxy host is streamed to `forward_scheme://forward_host:forward_port` and the answer streamed
 * back; an unknown name gets the default site (404 here); an unreachable upstream 502; an
 * upstream silent for 60 s (nginx's proxy_read_timeout) 504.
 *
 * Plain HTTP only: TLS termination is not simulated, so `ssl_forced`, HSTS and HTTP/2 are stored
 * but change nothing here. That is on purpose: the daemon checks that "the site answers through
 * the proxy" over plain HTTP on loopback, which a forced redirect to an https listener that does
 * not exist would make impossible.
 *
 * WebSocket upgrades pass through when the host has `allow_websocket_upgrade`; otherwise the
 * request reaches the upstream as a plain GET without its Upgrade headers, as with nginx.
 * Every request is the operation `npm.proxy.forward` for counters and faults.
 */
import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Faults } from '../core/faults.js';
import type { LiveRoute } from './nginx-model.js';
import { type DefaultSite, sendDefaultSite, sendPage, writeRawPage, writeRawResponse } from './proxy-pages.js';
import { connectHost, downstreamHeaders, hostnameOf, isLoopback, targetFor, upstreamHeaders } from './proxy-target.js';

export interface ReverseProxyOptions {
  readonly faults: Faults;
  readonly route: (hostname: string) => LiveRoute | undefined;
  readonly defaultSite: DefaultSite;
}

/** nginx's default proxy_read_timeout. */
const UPSTREAM_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createReverseProxy(options: ReverseProxyOptions): Server {
  const server = createServer((req, res) => {
    const { fault, end } = options.faults.begin('npm.proxy.forward');
    res.once('close', end);
    void (async () => {
      if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 0);
      if (fault?.kind === 'reset') return req.socket.destroy();
      if (fault?.kind === 'timeout') return undefined;
      if (fault?.kind === 'status') return sendPage(res, fault.status ?? 502);
      const hostname = hostnameOf(req.headers.host);
      const route = options.route(hostname);
      if (route === undefined) return sendDefaultSite(res, options.defaultSite);
      const upstream = openUpstream(req, route, hostname, false);
      if (upstream === undefined) return sendPage(res, 502);
      let timedOut = false;
      upstream.setTimeout(UPSTREAM_TIMEOUT_MS, () => {
        timedOut = true;
        upstream.destroy();
      });
      upstream.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, downstreamHeaders(answer.headers, hostname));
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', () => {
        if (!res.destroyed) sendPage(res, timedOut ? 504 : 502);
      });
      // A client that goes away mid-request takes the upstream request with it.
      req.on('error', () => upstream.destroy());
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      req.pipe(upstream);
      return undefined;
    })();
  });
  // Sockets taken over by an upgrade leave the server's bookkeeping: track them so that
  // closeAllConnections() (which tests and the sandbox's shutdown call) ends them too.
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    void upgrade(options, req, socket, head);
  });
  const closeAllConnections = server.closeAllConnections.bind(server);
  server.closeAllConnections = () => {
    closeAllConnections();
    for (const socket of upgraded) socket.destroy();
  };
  return server;
}

/** The upstream request, or undefined when the target is one the sandbox may not reach. */
function openUpstream(req: IncomingMessage, route: LiveRoute, hostname: string, websocket: boolean): ClientRequest | undefined {
  const target = targetFor(route, req.url ?? '/');
  if (!isLoopback(target.host)) return undefined;
  const headers = upstreamHeaders(req, hostname);
  if (websocket) {
    headers['connection'] = 'upgrade';
    headers['upgrade'] = req.headers.upgrade ?? 'websocket';
  }
  // nginx speaks HTTP/1.0 to upstreams by default: one connection per request, no pool.
  const common = { host: connectHost(target.host), port: target.port, method: req.method, path: target.path, headers, agent: false };
  // nginx does not verify an https upstream's certificate unless told to.
  return target.scheme === 'https' ? httpsRequest({ ...common, rejectUnauthorized: false }) : httpRequest(common);
}

async function upgrade(options: ReverseProxyOptions, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  const { fault, end } = options.faults.begin('npm.proxy.forward');
  socket.once('close', end);
  socket.on('error', () => socket.destroy());
  if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 0);
  if (fault?.kind === 'reset') return void socket.destroy();
  if (fault?.kind === 'timeout') return;
  if (fault?.kind === 'status') return writeRawPage(socket, fault.status ?? 502);
  const hostname = hostnameOf(req.headers.host);
  const route = options.route(hostname);
  if (route === undefined) return writeRawPage(socket, 404, options.defaultSite);
  const upstream = openUpstream(req, route, hostname, route.allowWebsocketUpgrade);
  if (upstream === undefined) return writeRawPage(socket, 502);
  upstream.on('upgrade', (answer, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 101 ${answer.statusMessage ?? 'Switching Protocols'}`];
    for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upstreamHead.length > 0) socket.write(upstreamHead);
    if (head.length > 0) upstreamSocket.write(head);
    upstreamSocket.on('error', () => socket.destroy());
    upstreamSocket.on('close', () => socket.destroy());
    socket.on('close', () => upstreamSocket.destroy());
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
  });
  upstream.on('response', (answer) => {
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      const headers = downstreamHeaders(answer.headers, hostname) as Record<string, string | string[]>;
      delete headers['content-length'];
      writeRawResponse(socket, answer.statusCode ?? 502, headers, Buffer.concat(chunks));
    });
  });
  upstream.on('error', () => writeRawPage(socket, 502));
  upstream.end();
}
