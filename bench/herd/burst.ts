/**
 * One burst: every request issued at once, spread round-robin over the instances, measured
 * from outside the app. While it runs, a sampler reads PostgreSQL's own counters (origin
 * reads from pg_stat_statements, active backends from pg_stat_activity) and each instance's
 * pool gauge, so the peak pool queue is seen as it happens.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { Pool, request } from 'undici';
import { PROFILE_BY_ID_SQL } from '../../example-app/profile/db.js';
import { metricValue } from './fleet.js';

export interface RequestSample {
  /** ms since the burst started, when the response completed. */
  readonly doneAt: number;
  readonly latencyMs: number;
  /** HTTP status, or 0 for a transport error. */
  readonly status: number;
}

export interface Sample {
  readonly t: number;
  readonly originReads: number;
  readonly dbActive: number;
  readonly poolWaiting: number;
}

export interface BurstResult {
  readonly requests: readonly RequestSample[];
  readonly samples: readonly Sample[];
  readonly durationMs: number;
  /** Origin reads once the last response is in, and when (ms since the burst started). */
  readonly originAtEnd: { readonly t: number; readonly reads: number };
}

export class HttpLoad {
  private readonly pools: Pool[];
  constructor(readonly urls: readonly string[], connectionsPerInstance: number) {
    this.pools = urls.map((u) => new Pool(u, { connections: connectionsPerInstance, pipelining: 1, keepAliveTimeout: 30_000 }));
  }

  async get(i: number, path: string): Promise<number> {
    const pool = this.pools[i % this.pools.length] as Pool;
    const r = await pool.request({ method: 'GET', path, headersTimeout: 60_000, bodyTimeout: 60_000 });
    await r.body.dump();
    return r.statusCode;
  }

  /**
   * Opens the pools' sockets again with `n` concurrent cheap requests. The services close
   * idle keep-alive sockets after 5 s, and the herd lands 10 s after the steady burst: without
   * this it would pay a TCP connection per request that the steady burst did not.
   */
  async prime(n: number): Promise<void> {
    await Promise.allSettled(Array.from({ length: n }, (_, i) => this.get(i, '/healthz')));
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }
}

export async function readOrigin(db: pg.Client): Promise<{ reads: number; active: number }> {
  const r = await db.query<{ reads: string; active: string }>(
    `SELECT (SELECT coalesce(sum(calls), 0) FROM pg_stat_statements WHERE query = $1)::text AS reads,
            (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid())::text AS active`,
    [PROFILE_BY_ID_SQL],
  );
  return { reads: Number(r.rows[0]?.reads ?? 0), active: Number(r.rows[0]?.active ?? 0) };
}

async function poolWaiting(urls: readonly string[]): Promise<number> {
  const values = await Promise.all(
    urls.map(async (u) => {
      try {
        const r = await request(`${u}/metrics`, { headersTimeout: 5000, bodyTimeout: 5000 });
        return metricValue(await r.body.text(), 'herdguard_db_pool_connections', { state: 'waiting' }) ?? 0;
      } catch {
        return 0;
      }
    }),
  );
  return values.reduce((a, b) => a + b, 0);
}

export interface BurstOptions {
  readonly load: HttpLoad;
  readonly ids: readonly number[];
  readonly db: pg.Client;
  readonly sampleEveryMs?: number;
  /** Sample the instances' pool gauges (the herd bursts) or not (steady bursts). */
  readonly samplePools?: boolean;
}

export async function runBurst(o: BurstOptions): Promise<BurstResult> {
  const start = performance.now();
  let running = true;
  const samples: Sample[] = [];
  // The sampler is owned by this burst: it stops when the last response is in.
  const sampler = (async () => {
    while (running) {
      const t = performance.now() - start;
      const [origin, waiting] = await Promise.all([
        readOrigin(o.db),
        o.samplePools === false ? Promise.resolve(0) : poolWaiting(o.load.urls),
      ]);
      samples.push({ t, originReads: origin.reads, dbActive: origin.active, poolWaiting: waiting });
      await sleep(o.sampleEveryMs ?? 25);
    }
  })();
  const requests = await Promise.all(
    o.ids.map(async (id, i): Promise<RequestSample> => {
      const t0 = performance.now();
      let status = 0;
      try {
        status = await o.load.get(i, `/users/${id}`);
      } catch {
        status = 0;
      }
      const t1 = performance.now();
      return { doneAt: t1 - start, latencyMs: t1 - t0, status };
    }),
  );
  const durationMs = performance.now() - start;
  running = false;
  await sampler;
  const endT = performance.now() - start;
  return { requests, samples, durationMs, originAtEnd: { t: endT, reads: (await readOrigin(o.db)).reads } };
}

export interface Settled {
  readonly reads: number;
  /** ms from `since` (performance.now) to the last read that changed the count. */
  readonly lastChangeMs: number;
  /** Every read taken while waiting: [ms since `since`, origin reads]. */
  readonly samples: Array<[number, number]>;
}

/**
 * Waits until background refreshes (SWR, early refresh) stop adding origin reads: no change
 * for `quietMs`, or `maxMs` in all. Refreshes yield to serving and may be paced over part of
 * the staleWhileRevalidate window, so the herd waits up to that window, not a fixed 5 s.
 */
export async function settleOriginReads(db: pg.Client, o: { quietMs: number; maxMs: number; since: number }): Promise<Settled> {
  const deadline = performance.now() + o.maxMs;
  const samples: Array<[number, number]> = [];
  const read = async () => {
    const t = performance.now();
    const reads = (await readOrigin(db)).reads;
    samples.push([Math.round(t - o.since), reads]);
    return reads;
  };
  let last = await read();
  let changedAt = performance.now();
  while (performance.now() < deadline) {
    await sleep(o.quietMs);
    const now = await read();
    if (now === last) break;
    last = now;
    changedAt = performance.now();
  }
  return { reads: last, lastChangeMs: changedAt - o.since, samples };
}
