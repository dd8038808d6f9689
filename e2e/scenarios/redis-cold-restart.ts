/**
 * redis-cold-restart: the primary and its replica are both killed under 1 000 GET/s and
 * restarted (by the kubelet) empty: every copy is lost. The operator sees the key count
 * collapse and publishes the policy's warmup (1 000 origin fetches/s across the fleet);
 * each instance warms its recently served keys within its share, paying its organic
 * misses first. Figures: the origin's peak second against the warmup rate, and the seconds
 * from the restart until the fleet serves 90 % of reads from cache again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { countErrors, nameErrors, round } from './kit/figures.js';
import { withRedisChaos } from './kit/harness.js';
import { INSTANCES, USERS, WARMUP_RATE } from './kit/policies.js';
import { until } from './kit/stack.js';
import type { Scenario } from './scenario.js';

const REDIS_PODS = 2;
const GETS_PER_SECOND = 1000;
/** The kubelet restarts a crashed container at once the first time; its relist takes about a second. */
const RESTART_AFTER_MS = 1000;
const OBSERVE_MS = 30_000;

export const redisColdRestart: Scenario = {
  name: 'redis-cold-restart',
  description: `kill -9 the Redis primary and replica under ${GETS_PER_SECOND} GET/s, restart them empty: warmup at ${WARMUP_RATE}/s, origin peak, seconds to 90 % hits`,
  run: (ctx) =>
    withRedisChaos(ctx, { redisPods: REDIS_PODS, getsPerSecond: GETS_PER_SECOND, warmMs: ctx.quick ? 10_000 : 20_000 }, async (h) => {
      const { api, watcher, sampler, load, names } = h;
      const primary = watcher.primaries()[0];
      const keysBefore = primary ? (watcher.last.get(primary)?.keys ?? 0) : 0;
      const killedAt = performance.now();
      await Promise.all(names.map((n) => ctx.provider.kill(n)));
      ctx.log(`kill -9 ${names.join(' and ')} (${keysBefore} keys in the primary)`);
      await sleep(RESTART_AFTER_MS);
      // Pod 0 first: with no peer answering it starts as primary; pod 1 then replicates it.
      for (const n of names) await ctx.provider.restart(n);
      const restartedAt = performance.now();
      ctx.log(`restarted empty after ${((restartedAt - killedAt) / 1000).toFixed(1)} s`);
      const warmupAt = await until('the operator requested a warmup', async () => warmupRequested(await api.policy()), 20_000).catch(() => null);
      ctx.log(warmupAt === null ? 'no warmup requested within 20 s' : `warmup requested ${((warmupAt - restartedAt) / 1000).toFixed(2)} s after the restart`);
      await sleep(Math.max(0, restartedAt + OBSERVE_MS + 1500 - performance.now()));
      ctx.log(`per second (0 = restart):\n${sampler.timeline(restartedAt, killedAt - 3000, restartedAt + OBSERVE_MS)}`);
      const afterRestart = sampler.seconds.filter((s) => s.at > restartedAt && s.at <= restartedAt + OBSERVE_MS + 1000);
      const first90 = afterRestart.find((s) => s.requests > 0 && s.served / s.requests >= 0.9);
      const outage = sampler.originBetween(killedAt, restartedAt);
      const warming = sampler.originBetween(restartedAt, restartedAt + OBSERVE_MS);
      const errors = load.errorsBetween(killedAt, restartedAt + OBSERVE_MS);
      const newPrimary = watcher.primaries()[0] ?? null;
      return {
        instances: INSTANCES,
        getsPerSecond: GETS_PER_SECOND,
        users: USERS,
        keysBefore,
        warmupRatePerSecond: WARMUP_RATE,
        warmupRequested: warmupAt !== null,
        warmupRequestedSeconds: warmupAt === null ? null : round((warmupAt - restartedAt) / 1000, 2),
        originPeakQps: round(Math.max(...outage, ...warming), 1),
        originPeakQpsWhileRedisDown: round(Math.max(0, ...outage), 1),
        originPeakQpsAfterRestart: round(Math.max(0, ...warming), 1),
        originSecondsAboveWarmupRate: [...outage, ...warming].filter((q) => q > WARMUP_RATE).length,
        secondsTo90PctHits: first90 ? round((first90.at - restartedAt) / 1000, 1) : null,
        hitRateFirst15s: round(sampler.hitRatio(restartedAt, restartedAt + 15_000), 4),
        keysAt15s: newPrimary ? (watcher.last.get(newPrimary)?.keys ?? null) : null,
        clientErrors: countErrors(errors),
        clientErrorNames: nameErrors(errors),
        maxPrimariesObserved: watcher.maxPrimaries,
        targets: `originPeakQps<=${WARMUP_RATE} secondsTo90PctHits<=15`,
      };
    }),
};

function warmupRequested(p: { status?: { redis?: { failover?: Record<string, unknown> } } }): boolean {
  const w = p.status?.redis?.failover?.['warmup'] as { id?: unknown } | null | undefined;
  return typeof w?.id === 'string';
}
