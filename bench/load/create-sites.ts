/**
 * `n` create-site requests sent at once over a pool (service ids tp-0 … tp-n-1), each answer
 * read to the end: the burst the throughput benchmark and its probe both start from.
 * Resolves with every answer's status, in request order.
 */
import type { Pool } from 'undici';
import { BENCH_TOKEN } from './stack.js';

export async function createSites(pool: Pool, n: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const response = await pool.request({
        method: 'POST',
        path: '/create-site',
        headers: { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ service_id: `tp-${i}`, email: `tp${i}@example.com`, plan: 'basic', public_ip: '203.0.113.10' }),
      });
      await response.body.dump();
      return response.statusCode;
    }),
  );
}
