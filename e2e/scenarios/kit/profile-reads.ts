/** One pass of reads through the services: priming every profile, and checking acknowledged writes. */
import { Pool } from 'undici';
import type { ProfileLoad } from './profile-load.js';

/**
 * Reads every profile once through the services (bounded concurrency), so the run starts
 * from a cache in steady state: the whole working set in Redis, as after hours of traffic.
 */
export async function primeAll(endpoints: readonly string[], users: number, concurrency = 32): Promise<void> {
  const pools = endpoints.map((e) => new Pool(e, { connections: concurrency }));
  let next = 1;
  const worker = async () => {
    for (let id = next++; id <= users; id = next++) {
      const r = await (pools[id % pools.length] as Pool).request({ path: `/users/${id}`, method: 'GET' });
      await r.body.dump();
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
}

/**
 * Acknowledged writes the services no longer serve: for each written profile, every
 * instance is asked once; an answer older than the last acknowledged version counts that
 * profile as lost.
 */
export async function verifyAcknowledged(load: ProfileLoad, endpoints: readonly string[], writeIds: number): Promise<number> {
  const pools = endpoints.map((e) => new Pool(e, { connections: 4 }));
  let lost = 0;
  try {
    for (let id = 1; id <= writeIds; id++) {
      const acked = load.lastAcked(id);
      const versions = await Promise.all(
        pools.map(async (p) => {
          const r = await p.request({ path: `/users/${id}`, method: 'GET' });
          return ((await r.body.json()) as { version: number }).version;
        }),
      );
      if (versions.some((v) => v < acked)) lost++;
    }
  } finally {
    await Promise.all(pools.map((p) => p.close()));
  }
  return lost;
}
