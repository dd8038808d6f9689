/**
 * `bench:herd --l2 cluster`'s last phase: the full-mode fleet under steady reads on a warm
 * Redis Cluster, then the primary of one shard is killed (SIGKILL) and the cluster fails it
 * over by itself. Measured from outside: requests and client errors (non-200), origin reads
 * (pg_stat_statements), the hit rate (requests answered without an origin read), and the
 * seconds until a command on the victim's slot succeeds again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { CLUSTER_LAYOUT, slotOf } from '../../lib/4-cache/l2/layout.js';
import { createRedisClusterClient } from '../../lib/4-cache/l2/redis-client.js';
import { userKey } from '../../example-app/profile/stores/store.js';
import type { RedisClusterServer } from '../../testkit/redis-cluster.js';
import { quantile } from '../lib/index.js';
import type { HttpLoad } from './burst.js';
import { readOrigin, settleOriginReads } from './burst.js';

export interface ShardFailoverResult {
  readonly victimPort: number;
  readonly loadSeconds: number;
  readonly killedAtSecond: number;
  /** Closed-loop readers: a request waiting on the dead shard holds its reader (the throughput dip). */
  readonly concurrency: number;
  readonly requests: number;
  readonly clientErrors: number;
  readonly errorStatuses: Record<string, number>;
  readonly originCalls: number;
  /** Requests answered without an origin read: 1 − originCalls ÷ requests. */
  readonly hitRate: number;
  /** From the kill until a command on the victim's slot succeeded again. */
  readonly secondsUntilSlotServed: number;
  /** Requests, client errors and origin reads per second of the run, the kill in second `killedAtSecond`. */
  readonly perSecond: ReadonlyArray<{ second: number; requests: number; errors: number; originReads: number; p99Ms: number }>;
}

export interface ShardFailoverOptions {
  readonly cluster: RedisClusterServer;
  readonly load: HttpLoad;
  readonly admin: pg.Client;
  readonly users: number;
  readonly concurrency: number;
  readonly loadSeconds: number;
  readonly killAfterSeconds: number;
  /** Empties the cluster first: every entry is then written under the phase's (long) ttl. */
  readonly flush: () => Promise<void>;
  readonly log: (msg: string) => void;
}

/** Polls a command on `key`'s slot every 20 ms until one succeeds; ms waited. */
async function untilServed(cluster: RedisClusterServer, key: string, deadlineMs: number): Promise<number> {
  const probe = createRedisClusterClient(cluster.seeds, { enableOfflineQueue: true });
  probe.on('error', () => undefined);
  const t0 = performance.now();
  try {
    while (performance.now() - t0 < deadlineMs) {
      try {
        await probe.get(key);
        return performance.now() - t0;
      } catch {
        await sleep(20);
      }
    }
    throw new Error(`the slot of ${key} was not served again within ${deadlineMs} ms`);
  } finally {
    probe.disconnect();
  }
}

export async function shardFailover(o: ShardFailoverOptions): Promise<ShardFailoverResult> {
  // Warm: every user once through the fleet (fills Redis), then the counters from zero. Entries
  // left by the herd runs would expire during the phase and count as misses it did not cause.
  await o.flush();
  for (let id = 1; id <= o.users; id += o.concurrency) {
    await Promise.all(Array.from({ length: Math.min(o.concurrency, o.users - id + 1) }, (_, i) => o.load.get(id + i, `/users/${id + i}`)));
  }
  // The warm pass starts background refreshes of entries from before: the counters start once they settled.
  await settleOriginReads(o.admin, { quietMs: 500, maxMs: 15_000, since: performance.now() });
  const key = CLUSTER_LAYOUT.copy(userKey(1), 0);
  const victim = await o.cluster.primaryOf(slotOf(key));
  await o.admin.query('SELECT pg_stat_statements_reset()');
  const t0 = performance.now();
  const perSecond = Array.from({ length: o.loadSeconds }, (_, second) => ({ second, requests: 0, errors: 0, originReads: 0, p99Ms: 0 }));
  const latencies = perSecond.map(() => [] as number[]);
  const errorStatuses: Record<string, number> = {};
  let requests = 0;
  let next = 0;
  const worker = async () => {
    while (performance.now() - t0 < o.loadSeconds * 1000) {
      const id = 1 + (next++ % o.users);
      const sent = performance.now();
      const status = await o.load.get(id, `/users/${id}`).catch(() => 0);
      const second = Math.min(o.loadSeconds - 1, Math.floor((performance.now() - t0) / 1000));
      const bucket = perSecond[second];
      requests++;
      latencies[second]?.push(performance.now() - sent);
      if (bucket) bucket.requests++;
      if (status !== 200) {
        errorStatuses[String(status || 'transport')] = (errorStatuses[String(status || 'transport')] ?? 0) + 1;
        if (bucket) bucket.errors++;
      }
    }
  };
  const killer = (async () => {
    await sleep(o.killAfterSeconds * 1000);
    o.log(`  killing shard primary :${victim.port} (slot ${slotOf(key)} among its slots)`);
    await victim.kill();
    return untilServed(o.cluster, key, 60_000);
  })();
  // Origin reads per second, sampled by this phase until its load ends.
  const sampler = (async () => {
    let seen = 0;
    for (let second = 0; second < o.loadSeconds; second++) {
      await sleep(Math.max(0, t0 + (second + 1) * 1000 - performance.now()));
      const reads = (await readOrigin(o.admin)).reads;
      (perSecond[second] as { originReads: number }).originReads = reads - seen;
      seen = reads;
    }
  })();
  const [servedMs] = await Promise.all([killer, sampler, ...Array.from({ length: o.concurrency }, worker)]);
  const originCalls = (await readOrigin(o.admin)).reads;
  perSecond.forEach((p, i) => (p.p99Ms = quantile(latencies[i] ?? [], 0.99)));
  const clientErrors = Object.values(errorStatuses).reduce((a, b) => a + b, 0);
  const r: ShardFailoverResult = {
    victimPort: victim.port,
    loadSeconds: o.loadSeconds,
    killedAtSecond: o.killAfterSeconds,
    concurrency: o.concurrency,
    requests,
    clientErrors,
    errorStatuses,
    originCalls,
    hitRate: requests === 0 ? 0 : 1 - originCalls / requests,
    secondsUntilSlotServed: servedMs / 1000,
    perSecond,
  };
  o.log(
    `  shard failover: slot served again after ${r.secondsUntilSlotServed.toFixed(2)} s; ${requests} requests, ` +
      `${clientErrors} client errors, ${originCalls} origin reads, hit rate ${r.hitRate.toFixed(4)}`,
  );
  return r;
}
