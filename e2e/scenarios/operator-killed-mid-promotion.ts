/**
 * operator-killed-mid-promotion: two operator replicas share the leader Lease. The Redis
 * primary is killed under load; the leader records `Promoted` (the TEST ONLY hook
 * the image's chaos entry point holds it there) and is then killed -9, while the
 * kubelet restarts the old primary. The standby takes the Lease, reads the promotion from
 * the CachePolicy status and finishes it (replicas repointed, label moved, published).
 * Every Redis is asked INFO replication every 50 ms throughout: never two primaries.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisRecord } from '../../operator/failover/decide.js';
import type { FailoverStatus } from '../../operator/failover/kube-seams.js';
import { countErrors, nameErrors, round } from './kit/figures.js';
import { withRedisChaos, type RedisChaos } from './kit/harness.js';
import type { KubeApi } from './kit/kube-api.js';
import { INSTANCES } from './kit/policies.js';
import { leaderOperator, until } from './kit/stack.js';
import type { Scenario } from './scenario.js';

const REDIS_PODS = 3;
const GETS_PER_SECOND = 1000;
const LEASE_DURATION_MS = 3000;

const record = async (api: KubeApi): Promise<{ promotions: number; primary: string | null; promotion: RedisRecord['promotion'] }> => {
  const s = (await api.policy()).status?.redis;
  const f = (s?.failover ?? {}) as FailoverStatus;
  return { promotions: s?.promotions ?? 0, primary: f.record?.primary ?? null, promotion: f.record?.promotion ?? null };
};

export const operatorKilledMidPromotion: Scenario = {
  name: 'operator-killed-mid-promotion',
  description: `kill -9 the leading operator after it recorded step Promoted (Redis primary killed under ${GETS_PER_SECOND} GET/s); the standby finishes; primaries seen at once`,
  run: (ctx) =>
    withRedisChaos(
      ctx,
      {
        redisPods: REDIS_PODS,
        operators: 2,
        operatorEnv: {
          LEASE_DURATION_MS: String(LEASE_DURATION_MS),
          HERDGUARD_CHAOS_PAUSE_AFTER_STEP: 'Promoted',
          HERDGUARD_CHAOS_PAUSE_MS: '120000',
        },
        // The image's chaos entry point (operator/chaos/pausing-main.ts) holds the leader after the step.
        operatorArgs: ['operator/chaos/pausing-main.js'],
        getsPerSecond: GETS_PER_SECOND,
        warmMs: ctx.quick ? 5_000 : 10_000,
      },
      async (h) => {
        const { api, watcher, sampler, load, names, pods } = h;
        const leader = await leaderOperator(ctx.provider);
        const primary = watcher.primaries()[0];
        if (!leader || !primary) throw new Error(`expected a leading operator and one primary, saw ${String(leader)} and ${watcher.primaries().join(', ') || 'none'}`);
        const killedAt = performance.now();
        await ctx.provider.kill(primary);
        ctx.log(`kill -9 ${primary}; ${leader} leads`);
        await until('the leader recorded step Promoted', async () => (await record(api)).promotion?.step === 'Promoted', 30_000);
        const promotedPod = (await record(api)).promotion?.to ?? null;
        const promoted = promotedPod === null ? null : ctx.provider.processName(promotedPod);
        await ctx.provider.kill(leader);
        const leaderKilledAt = performance.now();
        ctx.log(`promotion of ${String(promoted)} paused at Promoted; kill -9 ${leader}; the kubelet restarts ${primary}`);
        await ctx.provider.restart(primary);
        const done = await until(
          'the standby completed the promotion',
          async () => {
            const r = await record(api);
            return r.promotions >= 1 && r.promotion === null && r.primary === promotedPod;
          },
          60_000,
        ).catch(() => null);
        const resumedBy = await leaderOperator(ctx.provider);
        await until('every Redis follows the new primary', () => Promise.resolve(followsOnly(h, promoted)), 30_000).catch(() => undefined);
        await sleep(2000); // keep watching the settled topology for a moment
        const labelled = promoted ? (await api.podLabel(promoted, 'role')) === 'primary' : false;
        const others = await Promise.all(names.filter((n) => n !== promoted).map((n) => api.podLabel(n, 'role')));
        const published = await api.renderedPrimary();
        await ctx.provider.restart(leader); // the kubelet restarts the operator too
        const errors = load.errorsBetween(killedAt, performance.now());
        return {
          instances: INSTANCES,
          operators: 2,
          leaseDurationMs: LEASE_DURATION_MS,
          killedPrimary: primary,
          killedLeader: leader,
          promoted,
          resumedBy,
          completed: done !== null,
          secondsToCompleteAfterLeaderKill: done === null ? null : round((done - leaderKilledAt) / 1000, 2),
          labelOnlyOnNewPrimary: labelled && others.every((l) => l === undefined),
          publishedToServices: published !== null && promoted !== null && published === `${pods[promoted]?.host}:${pods[promoted]?.port}`,
          allFollowNewPrimary: followsOnly(h, promoted),
          maxPrimariesObserved: watcher.maxPrimaries,
          hitRateDuring: round(sampler.hitRatio(killedAt - 15_000, killedAt + 15_000), 4),
          clientErrors: countErrors(errors),
          clientErrorNames: nameErrors(errors),
          targets: 'completed=true maxPrimariesObserved=1',
        };
      },
    ),
};

/** Exactly `primary` answers as master, and every other Redis is its replica. */
function followsOnly({ watcher, pods }: RedisChaos, primary: string | null): boolean {
  if (!primary) return false;
  const p = pods[primary];
  return [...watcher.last].every(([name, info]) =>
    name === primary ? info?.role === 'master' : info?.role === 'replica' && info.master?.host === p?.host && info.master?.port === p?.port,
  );
}
