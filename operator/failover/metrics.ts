/** The failover brain's metrics, built from the metric-name contract. Pod labels are bounded by the StatefulSet size. */
import type { Registry } from 'prom-client';
import { labelValues, metrics } from '../../lib/1-ground/metric-names.js';
import { counter, gauge, histogram } from '../../lib/1-ground/prom.js';
import { STEPS } from './promotion.js';
import { CLUSTER_REASONS, HoldReason, PromotionReason, type ClusterReason } from '../reasons.js';
import type { Health } from './world.js';

export interface FailoverMetrics {
  /** A Redis became known: its counters start at 0 for every bounded label, so increase() sees the first promotion. */
  known(redis: string): void;
  observeRoles(redis: string, health: Health): void;
  keys(redis: string, n: number): void;
  promoted(redis: string, reason: string, seconds: number): void;
  promotion(redis: string, reason: string): void;
  failed(redis: string, step: string): void;
  /** Why a promotion is held back now (null: not holding); one series per reason, so a hold is visible without Events. */
  holding(redis: string, reason: HoldReason | null): void;
  /** Whether the recorded primary is fenced (false: survivor mode, ADR 0006). */
  fenced(redis: string, fenced: boolean): void;
  /** The state reported for a Redis Cluster; one series per reason (a closed set of three). */
  clusterState(redis: string, reason: ClusterReason): void;
  /** The cluster is no longer watched here (policy gone, mode changed): its series go, so no alert stays on a stale value. */
  clusterGone(redis: string): void;
}

export function failoverMetrics(registry: Registry): FailoverMetrics {
  const role = gauge(registry, metrics.redisRole);
  const keys = gauge(registry, metrics.redisKeys);
  const promotions = counter(registry, metrics.redisPromotions);
  const failures = counter(registry, metrics.redisPromotionFailures);
  const holding = gauge(registry, metrics.redisFailoverHolding);
  const fencedGauge = gauge(registry, metrics.redisPrimaryFenced);
  const clusterGauge = gauge(registry, metrics.redisClusterState);
  const duration = histogram(registry, metrics.redisFailoverDuration, [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60]);
  return {
    known: (redis) => {
      for (const reason of Object.values(PromotionReason)) promotions.inc({ redis, reason }, 0);
      for (const step of STEPS) failures.inc({ redis, step }, 0);
      // The failover-duration series exist from the start too, so rate() over them has a base.
      for (const reason of Object.values(PromotionReason)) duration.zero({ redis, reason });
    },
    observeRoles: (redis, health) => {
      for (const h of health.values()) {
        const now = h.reachable && h.present ? (h.info?.role === 'master' ? 'primary' : 'replica') : null;
        for (const r of labelValues.redisRole) role.set({ redis, pod: h.pod.name, role: r }, r === now ? 1 : 0);
      }
    },
    keys: (redis, n) => keys.set({ redis }, n),
    promoted: (redis, reason, seconds) => duration.observe({ redis, reason }, seconds),
    promotion: (redis, reason) => promotions.inc({ redis, reason }),
    failed: (redis, step) => failures.inc({ redis, step }),
    holding: (redis, now) => {
      for (const reason of Object.values(HoldReason)) holding.set({ redis, reason }, reason === now ? 1 : 0);
    },
    fenced: (redis, fenced) => fencedGauge.set({ redis }, fenced ? 1 : 0),
    clusterState: (redis, now) => {
      for (const reason of CLUSTER_REASONS) clusterGauge.set({ redis, reason }, reason === now ? 1 : 0);
    },
    clusterGone: (redis) => {
      for (const reason of CLUSTER_REASONS) clusterGauge.remove({ redis, reason });
    },
  };
}
