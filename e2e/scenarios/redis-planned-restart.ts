/**
 * redis-planned-restart: the Redis primary's Pod is deleted (a rolling update) under load:
 * 1 000 GET/s plus tracked PUTs on the 50 hottest profiles. The operator sees the
 * deletionTimestamp and switches over with Redis FAILOVER (which waits for the replica to
 * catch up) before the process stops; the pod comes back as a replica. Afterwards every
 * acknowledged PUT must still be what the services serve (and what Redis holds).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { countErrors, nameErrors, round } from './kit/figures.js';
import { withRedisChaos } from './kit/harness.js';
import { INSTANCES } from './kit/policies.js';
import type { ProfileLoad } from './kit/profile-load.js';
import { verifyAcknowledged } from './kit/profile-reads.js';
import { roleOf } from './kit/redis-watcher.js';
import type { Scenario } from './scenario.js';

const REDIS_PODS = 2;
const GETS_PER_SECOND = 1000;
const WRITE_IDS = 50;
const PUTS_PER_SECOND = 50;
const HALF_WINDOW_MS = 15_000;

export const redisPlannedRestart: Scenario = {
  name: 'redis-planned-restart',
  description: `delete the Redis primary's Pod under ${GETS_PER_SECOND} GET/s + ${PUTS_PER_SECOND} PUT/s: FAILOVER first, no client error, no acknowledged write lost`,
  run: (ctx) =>
    withRedisChaos(
      ctx,
      { redisPods: REDIS_PODS, getsPerSecond: GETS_PER_SECOND, writes: { ids: WRITE_IDS, putsPerSecond: PUTS_PER_SECOND }, warmMs: ctx.quick ? 10_000 : 20_000 },
      async (h) => {
        const { api, watcher, sampler, load, endpoints } = h;
        const chaos = ctx.provider;
        const primary = h.onePrimary('restart');
        watcher.armWriteProbe(primary, performance.now());
        const deletedAt = performance.now();
        ctx.log(`deleting pod ${primary} (planned restart)`);
        await chaos.deletePod(primary);
        const backAt = performance.now();
        // The StatefulSet's replacement pod has a new IP: ask it there, not at the old address.
        const backAs = await roleOf(chaos.redisAddress(primary));
        const switchoverSeconds = watcher.firstWriteAt === null ? null : (watcher.firstWriteAt - deletedAt) / 1000;
        ctx.log(`switched over after ${String(switchoverSeconds)} s; ${primary} back after ${((backAt - deletedAt) / 1000).toFixed(1)} s as ${backAs}`);
        await sleep(Math.max(0, deletedAt + HALF_WINDOW_MS + 1500 - performance.now()));
        ctx.log(`per second around the deletion (0 = delete):\n${sampler.timeline(deletedAt, deletedAt - 5000, deletedAt + HALF_WINDOW_MS)}`);
        await load.stop();
        const newPrimary = watcher.primaries()[0] ?? null;
        const lost = await verifyAcknowledged(load, endpoints, WRITE_IDS);
        const behind = newPrimary ? await redisBehind(load, chaos.redisAddress(newPrimary)) : WRITE_IDS;
        const errors = load.errorsBetween(deletedAt - HALF_WINDOW_MS, deletedAt + HALF_WINDOW_MS);
        const stale = load.stale;
        return {
          instances: INSTANCES,
          getsPerSecond: GETS_PER_SECOND,
          putsPerSecond: PUTS_PER_SECOND,
          restarted: primary,
          newPrimary,
          newPrimaryLabelled: newPrimary ? (await api.podLabel(newPrimary, 'role')) === 'primary' : false,
          oldPrimaryBackAs: backAs,
          switchoverSeconds: switchoverSeconds === null ? null : round(switchoverSeconds, 2),
          clientErrors: countErrors(errors),
          clientErrorNames: nameErrors(errors),
          hitRateDuring: round(sampler.hitRatio(deletedAt - HALF_WINDOW_MS, deletedAt + HALF_WINDOW_MS), 4),
          putsAcknowledged: load.puts,
          acknowledgedWritesLost: lost,
          redisEntriesBehindAcknowledged: behind,
          staleReads: stale.length,
          worstStaleReadMs: Math.round(stale.reduce((m, s) => Math.max(m, s.staleMs), 0)),
          maxPrimariesObserved: watcher.maxPrimaries,
          targets: 'clientErrors=0 hitRateDuring>=0.99 acknowledgedWritesLost=0',
        };
      },
    ),
};

/** Written profiles whose Redis entry on the primary is older than the last acknowledged version (or missing). */
async function redisBehind(load: ProfileLoad, primary: { host: string; port: number; password?: string }): Promise<number> {
  const c = new Redis({ ...primary, maxRetriesPerRequest: 1 });
  let behind = 0;
  try {
    for (let id = 1; id <= WRITE_IDS; id++) {
      const text = await c.get(`user:${id}`);
      const version = text ? ((JSON.parse(text) as { v?: { version?: number } }).v?.version ?? 0) : 0;
      if (version < load.lastAcked(id)) behind++;
    }
  } finally {
    c.disconnect();
  }
  return behind;
}
