/**
 * What every HTTP simulator shares: a Fastify instance whose routes name their operation
 * (`config: { op }`), counted and subjected to the injected faults, with errors shaped the way
 * the real system shapes them.
 */
import { STATUS_CODES } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Faults } from './faults.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The operation name faults and counters use, e.g. `proxmox.lxc.create`. */
    op?: string;
  }
}

/** A system-specific error response. */
export interface ErrorShape {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Proxmox puts its error text in the HTTP status line. */
  readonly statusMessage?: string;
}

export type ErrorFormatter = (status: number, message: string) => ErrorShape;

export interface HttpSimulatorOptions {
  readonly faults: Faults;
  readonly formatError: ErrorFormatter;
  /** Larger than any real request; the real systems reject far smaller bodies anyway. */
  readonly bodyLimit?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createHttpSimulator(options: HttpSimulatorOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 1024 * 1024 });
  app.addHook('onRequest', async (request, reply) => {
    const op = request.routeOptions.config.op;
    if (op === undefined) return;
    const { fault, end } = options.faults.begin(op);
    reply.raw.once('close', end);
    if (fault === undefined) return;
    switch (fault.kind) {
      case 'latency':
        await sleep(fault.latencyMs ?? 0);
        return;
      case 'reset':
        reply.hijack();
        request.raw.socket.destroy();
        return;
      case 'timeout':
        // Never answer: the client's own timeout must fire. The socket closes with the client.
        reply.hijack();
        return;
      case 'status': {
        const status = fault.status ?? 500;
        const shape = options.formatError(status, fault.message ?? STATUS_CODES[status] ?? 'error');
        sendShape(reply, { ...shape, headers: { ...shape.headers, ...fault.headers } });
        return reply;
      }
    }
  });
  return app;
}

/** Send a formatted error (status line text included, where the system uses it). */
export function sendShape(reply: FastifyReply, shape: ErrorShape): void {
  if (shape.statusMessage !== undefined) reply.raw.statusMessage = shape.statusMessage;
  reply.code(shape.status).headers(shape.headers ?? {}).send(shape.body);
}
