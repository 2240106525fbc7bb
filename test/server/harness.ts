/**
 * The app under test over a real registry and a real temp SQLite file (test/support/stack.ts).
 * Effects come through the stack's production seam; nothing here replaces a module.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { AddressInfo } from 'node:net';
import { DEFAULT_PLANS } from '../../src/domain/plans.js';
import { buildApp, type AppDeps } from '../../src/server/app.js';
import { createTestStack, waitFor, type StackOptions, type TestStack } from '../support/stack.js';

export const TOKEN = 'test-token-4f9d2c81e7';
export const AUTH = { authorization: `Bearer ${TOKEN}` } as const;
export const PLANS = DEFAULT_PLANS.map((plan) => plan.name);

export interface Harness {
  readonly app: FastifyInstance;
  readonly stack: TestStack;
  /** Inject with the bearer token. */
  call(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** Listen on 127.0.0.1, port 0; answers the base URL without scheme ("127.0.0.1:1234"). */
  listen(): Promise<string>;
  /** Wait until the registry reports `state` for the service and no work in flight. */
  settled(serviceId: string, state: string): Promise<void>;
  close(): Promise<void>;
}

export function createHarness(options: { stack?: StackOptions; app?: Partial<Omit<AppDeps, 'registry'>> } = {}): Harness {
  const stack = createTestStack(options.stack);
  const app = buildApp({ registry: stack.registry, apiToken: TOKEN, plans: PLANS, ...options.app });
  return {
    app,
    stack,
    call: (request) => app.inject({ ...request, headers: { ...AUTH, ...request.headers } }),
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      return `127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    },
    settled: (serviceId, state) =>
      waitFor(
        () => {
          const service = stack.registry.get(serviceId);
          return service !== undefined && service.state === state && !service.busy;
        },
        5_000,
        `service ${serviceId} to settle in ${state}`,
      ),
    async close() {
      await app.close();
      stack.close();
    },
  };
}

export function siteBody(serviceId: string | number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { service_id: serviceId, email: `owner${serviceId}@example.com`, plan: 'basic', public_ip: '203.0.113.10', ...overrides };
}

/** The `error` object of a JSON error reply. */
export function errorOf(response: LightMyRequestResponse): Record<string, unknown> {
  const body = response.json() as { error?: Record<string, unknown> };
  if (body.error === undefined) throw new Error(`not an error body: ${response.body}`);
  return body.error;
}
