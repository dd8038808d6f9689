/**
 * redis-primary-kill: kill -9 the Redis primary under ~1 000 GET/s spread over 3 profile
 * instances. The operator detects the loss (detectAfter 1.5 s, or the Pod turning NotReady),
 * promotes the best replica and publishes it; the services move at once. Figures: seconds
 * from the kill to the first write a surviving node accepts, the cache hit ratio over the
 * 30 s around the kill, client errors by name, and the origin's peak second over its
 * steady rate. The killed pod then restarts (as the kubelet would) and must rejoin as a
 * replica. `runPrimaryKill` is shared with stale-after-failover, which adds tracked writes.
 *
 * Origin figures (queries counted by PostgreSQL's pg_stat_statements, per 1-s sample):
 * - `originSteadyQps`: mean over [kill − 10 s, kill − 1 s]. TURNOVER_POLICY (ttl 10 s +
 *   jitter 5 s, XFetch, SWR 30 s) makes the working set turn over, and the load runs
 *   3 × (ttl + jitter) after priming before the kill, so this is a warm cache's refresh and
 *   miss traffic, not ~0 (`originSteadyRangeQps` shows how flat it was).
 * - `originPeakQps`: the largest sample in [kill, kill + 15 s].
 * - `originPeakOverSteady` = peak / steady; null when steady < 1 query/s (there is then no
 *   steady rate to compare with; `originExtraQueries` still says what the failover cost).
 * - `originExtraQueries`: Σ over the samples in [kill, kill + 15 s] of max(0, sample − steady).
 *
 * `hitRateDuring`: reads served from cache (L1 hit, L1 fail-safe copy, L2 hit, L2 stale) over
 * all reads in [kill − 15 s, kill + 15 s]; `hitRateBefore` the same over [kill − 15 s, kill − 1 s].
 * Under TURNOVER_POLICY the steady ratio itself is below 1 (the Zipf tail unread for longer
 * than ttl + jitter + SWR misses), so the failover's own cost is the gap between the two.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { countErrors, mean, nameErrors, round } from './kit/figures.js';
import { withRedisChaos } from './kit/harness.js';
import type { KubeApi } from './kit/kube-api.js';
import { CHECK_INTERVAL_MS, DETECT_AFTER_MS, INSTANCES, TURNOVER_POLICY, steadyWarmMs } from './kit/policies.js';
import type { ProfileLoad } from './kit/profile-load.js';
import { until } from './kit/stack.js';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario.js';

const REDIS_PODS = 3;
const GETS_PER_SECOND = 1000;
/** Half of the 30 s window around the kill. */
const HALF_WINDOW_MS = 15_000;
/** Below this steady origin rate a peak-over-steady ratio would only divide by noise. */
const MIN_STEADY_QPS = 1;

export interface PrimaryKillRun {
  readonly figures: ScenarioResult;
  readonly load: ProfileLoad;
  readonly killedAt: number;
}

export interface PrimaryKillOptions {
  readonly writes?: { ids: number; putsPerSecond: number };
  /**
   * A stack already deployed with deployRedisStack (≥ 3 Redis pods, the profile on
   * TURNOVER_POLICY for the origin figures to mean anything; the caller closes it); default: deploy one.
   */
  readonly deployed?: KubeApi;
}

export function runPrimaryKill(ctx: ScenarioContext, o: PrimaryKillOptions): Promise<PrimaryKillRun> {
  const chaos = {
    redisPods: REDIS_PODS,
    policySpec: TURNOVER_POLICY,
    getsPerSecond: GETS_PER_SECOND,
    warmMs: steadyWarmMs(ctx.quick),
    ...(o.writes ? { writes: o.writes } : {}),
    ...(o.deployed ? { deployed: o.deployed } : {}),
  };
  return withRedisChaos(ctx, chaos, async (h) => {
    const { api, watcher, sampler, load } = h;
    const primary = h.onePrimary('kill');
    const publishedBefore = await api.renderedPrimary();
    watcher.armWriteProbe(primary, performance.now());
    const killedAt = performance.now();
    await ctx.provider.kill(primary);
    ctx.log(`kill -9 ${primary}`);
    const publishedAt = await until('a new primary published to the services', async () => (await api.renderedPrimary()) !== publishedBefore, 30_000);
    const promotionSeconds = watcher.firstWriteAt === null ? null : (watcher.firstWriteAt - killedAt) / 1000;
    ctx.log(`first write accepted after ${String(promotionSeconds)} s; published after ${((publishedAt - killedAt) / 1000).toFixed(2)} s`);
    await sleep(Math.max(0, killedAt + HALF_WINDOW_MS + 1500 - performance.now()));
    const after = watcher.primaries();
    // The kubelet restarts the container: it must come back as a replica, never a second primary.
    await ctx.provider.restart(primary);
    await until(`${primary} rejoined as a replica`, () => Promise.resolve(watcher.last.get(primary)?.role === 'replica'), 30_000);
    const newPrimary = after[0] ?? null;
    const labelled = newPrimary ? await api.podLabel(newPrimary, 'role') : undefined;
    ctx.log(`per second around the kill (0 = kill):\n${sampler.timeline(killedAt, killedAt - HALF_WINDOW_MS, killedAt + HALF_WINDOW_MS)}`);
    const steadySamples = sampler.originBetween(killedAt - 10_000, killedAt - 1000);
    const steady = mean(steadySamples);
    const peak = Math.max(...sampler.originBetween(killedAt, killedAt + HALF_WINDOW_MS));
    const errors = load.errorsBetween(killedAt - HALF_WINDOW_MS, killedAt + HALF_WINDOW_MS);
    const figures: ScenarioResult = {
      instances: INSTANCES,
      getsPerSecond: GETS_PER_SECOND,
      detectAfterMs: DETECT_AFTER_MS,
      checkIntervalMs: CHECK_INTERVAL_MS,
      killed: primary,
      newPrimary,
      newPrimaryLabelled: labelled === 'primary',
      promotionSeconds: promotionSeconds === null ? null : round(promotionSeconds, 2),
      publishedSeconds: round((publishedAt - killedAt) / 1000, 2),
      hitRateDuring: round(sampler.hitRatio(killedAt - HALF_WINDOW_MS, killedAt + HALF_WINDOW_MS), 4),
      // The same ratio over the 15 s before the kill: the policy's own steady share of misses.
      hitRateBefore: round(sampler.hitRatio(killedAt - HALF_WINDOW_MS, killedAt - 1000), 4),
      clientErrors: countErrors(errors),
      clientErrorNames: nameErrors(errors),
      clientSkipped: load.skipped,
      originSteadyQps: round(steady, 1),
      originSteadyRangeQps: `${Math.round(Math.min(...steadySamples))}-${Math.round(Math.max(...steadySamples))}`,
      originPeakQps: round(peak, 1),
      originPeakOverSteady: steady >= MIN_STEADY_QPS ? round(peak / steady, 2) : null,
      originExtraQueries: Math.round(sampler.originBetween(killedAt, killedAt + HALF_WINDOW_MS).reduce((n, q) => n + Math.max(0, q - steady), 0)),
      maxPrimariesObserved: watcher.maxPrimaries,
      oldPrimaryRejoined: 'replica',
    };
    return { figures, load, killedAt };
  });
}

export const redisPrimaryKill: Scenario = {
  name: 'redis-primary-kill',
  description: `kill -9 the Redis primary under ${GETS_PER_SECOND} GET/s over ${INSTANCES} profile instances; promotion time, hit ratio, errors, origin peak`,
  async run(ctx) {
    const r = await runPrimaryKill(ctx, {});
    return { ...r.figures, targets: 'promotionSeconds<=2 hitRateDuring>=0.95 originPeakOverSteady<=2 clientErrors=0(goal)' };
  },
};
