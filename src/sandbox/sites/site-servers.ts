/**
 * The containers' web servers. Each container that runs, has an address and has WordPress
 * configured (its wp-config.php exists) gets an HTTP server on `<its ip>:<port>` answering as
 * nginx + WordPress would (`wordpress-site.ts`); when the container stops, is destroyed or loses
 * its configuration, the server closes. The proxy simulator and tests reach sites this way.
 *
 * Only loopback addresses are bound (127.0.0.0/8 is all local on Linux): a container whose
 * address is not loopback is reported through `onError` and not served.
 */
import { createServer, type Server } from 'node:http';
import type { World } from '../core/world.js';
import { respond, siteIsUp } from './wordpress-site.js';

export interface SiteServersOptions {
  readonly world: World;
  /** The port every container's web server uses (80 in a real container; any port here). */
  readonly port: number;
  /** Bind failures (EADDRINUSE, a non-loopback address); never thrown. Default: console.error. */
  readonly onError?: (error: Error, vmid: number) => void;
}

export interface SiteServers {
  close(): Promise<void>;
  /** The servers that are listening now. */
  serving(): readonly { vmid: number; ip: string; port: number }[];
}

interface Site {
  readonly ip: string;
  readonly server: Server;
}

export function createSiteServers(options: SiteServersOptions): SiteServers {
  const { world, port } = options;
  const sites = new Map<number, Site>();
  /**
   * Failures already reported, as `vmid ip reason`: a site is retried at each change of its
   * container (the installer changes it often) but each failure is reported once.
   */
  const reported = new Set<string>();
  let closed = false;
  const onError = options.onError ?? ((error: Error, vmid: number) => console.error(`site server for CT ${vmid}: ${error.message}`));
  const report = (error: Error, vmid: number, ip: string): void => {
    const key = `${vmid} ${ip} ${(error as NodeJS.ErrnoException).code ?? error.message}`;
    if (reported.has(key)) return;
    reported.add(key);
    onError(error, vmid);
  };

  const stop = (vmid: number): Promise<void> => {
    const site = sites.get(vmid);
    if (site === undefined) return Promise.resolve();
    sites.delete(vmid);
    return new Promise((resolve) => {
      site.server.close(() => resolve());
      site.server.closeAllConnections();
    });
  };

  const start = (vmid: number, ip: string): void => {
    const server = createServer((request, response) => {
      const container = world.containers.get(vmid);
      if (container === undefined || !siteIsUp(container)) {
        request.socket.destroy();
        return;
      }
      const answer = respond(container, {
        method: request.method ?? 'GET',
        target: request.url ?? '/',
        host: request.headers.host ?? ip,
      });
      response.writeHead(answer.status, answer.headers);
      response.end(request.method === 'HEAD' ? undefined : answer.body);
    });
    // A malformed or aborted request is the client's problem, not the site's.
    server.on('clientError', (_error, socket) => socket.destroy());
    server.on('listening', () => {
      for (const key of reported) if (key.startsWith(`${vmid} ${ip} `)) reported.delete(key);
    });
    server.on('error', (error) => {
      report(error, vmid, ip);
      if (sites.get(vmid)?.server === server) sites.delete(vmid);
    });
    sites.set(vmid, { ip, server });
    server.listen(port, ip);
  };

  const follow = (vmid: number): void => {
    const container = world.containers.get(vmid);
    const ip = container !== undefined && siteIsUp(container) ? container.ip : null;
    const site = sites.get(vmid);
    if (site !== undefined && site.ip === ip) return;
    void stop(vmid).then(() => {
      // Re-read: the container may have changed again while the old server closed.
      const now = world.containers.get(vmid);
      if (closed || ip === null || sites.has(vmid) || now === undefined || !siteIsUp(now) || now.ip !== ip) return;
      if (!ip.startsWith('127.')) {
        report(new Error(`CT ${vmid}: ${ip} is not a loopback address; the sandbox serves sites on 127.0.0.0/8 only`), vmid, ip);
        return;
      }
      start(vmid, ip);
    });
  };

  world.events.on('container', follow);
  for (const vmid of world.containers.keys()) follow(vmid);

  return {
    async close() {
      closed = true;
      world.events.off('container', follow);
      await Promise.all([...sites.keys()].map(stop));
    },
    serving() {
      return [...sites]
        .filter(([, site]) => site.server.listening)
        .map(([vmid, site]) => ({ vmid, ip: site.ip, port }));
    },
  };
}
