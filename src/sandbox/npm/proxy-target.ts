/**
 * Where a proxied request goes and with which headers, following NPM's nginx templates
 * (proxy_host.conf, _location.conf, conf.d/include/proxy.conf):
 * `proxy_set_header Host $host; X-Forwarded-Scheme/-Proto $scheme; X-Forwarded-For
 * $proxy_add_x_forwarded_for; X-Real-IP $remote_addr`, and `X-Served-By $host` on the answer.
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import type { LiveRoute } from './nginx-model.js';

export interface ProxyTarget {
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** `$host`: the Host header's name, lower-case, without the port. */
export function hostnameOf(hostHeader: string | undefined): string {
  if (hostHeader === undefined) return '';
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * The longest matching custom location, else the host's own target. A URI in `proxy_pass`
 * (`forward_path`, or a `forward_host` written as `host/path`) replaces the matched prefix,
 * as nginx does.
 */
export function targetFor(route: LiveRoute, url: string): ProxyTarget {
  const path = url.split('?')[0] ?? '/';
  let best: LiveRoute['locations'][number] | undefined;
  for (const location of route.locations) {
    if (path.startsWith(location.path) && (best === undefined || location.path.length > best.path.length)) best = location;
  }
  const prefix = best?.path ?? '/';
  const [host, hostPath] = splitHost(best?.forward_host ?? route.forwardHost);
  const forwardPath = best?.forward_path || hostPath;
  return {
    scheme: best?.forward_scheme ?? route.forwardScheme,
    host,
    port: best?.forward_port ?? route.forwardPort,
    path: forwardPath ? forwardPath + url.slice(prefix.length) : url,
  };
}

function splitHost(forwardHost: string): [string, string] {
  const slash = forwardHost.indexOf('/');
  return slash === -1 ? [forwardHost, ''] : [forwardHost.slice(0, slash), forwardHost.slice(slash)];
}

/**
 * The sandbox never reaches beyond loopback (sandbox containers have 127.x addresses). NPM
 * would connect anywhere; here any other upstream answers 502, as an unreachable one does.
 */
export function isLoopback(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

export function connectHost(host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  return host.startsWith('[') ? host.slice(1, -1) : host;
}

export function upstreamHeaders(req: IncomingMessage, hostname: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(req.headers);
  const remote = req.socket.remoteAddress ?? '';
  const forwardedFor = req.headers['x-forwarded-for'];
  headers['host'] = hostname;
  headers['x-forwarded-scheme'] = 'http';
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-for'] = forwardedFor === undefined ? remote : `${String(forwardedFor)}, ${remote}`;
  headers['x-real-ip'] = remote;
  return headers;
}

/** The upstream's answer headers as nginx passes them on: its own Server and Date, not the upstream's. */
export function downstreamHeaders(upstream: IncomingHttpHeaders, hostname: string): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = withoutHopByHop(upstream);
  delete headers['server'];
  delete headers['date'];
  headers['server'] = 'openresty';
  headers['x-served-by'] = hostname;
  return headers;
}

function withoutHopByHop(source: IncomingHttpHeaders): OutgoingHttpHeaders {
  const named = String(source['connection'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || HOP_BY_HOP.includes(name) || named.includes(name)) continue;
    result[name] = value;
  }
  return result;
}
