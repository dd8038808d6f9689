/** Redis & failover: roles, promotions, key counts and Redis Cluster state as the operator sees them. */
import { labelValues, metrics as m } from '../../lib/1-ground/metric-names.js';
import { histogramQuantile, sel, sumBy } from '../../promql/promql.js';
import { redisClusterState, redisPrimaries } from '../../promql/queries.js';
import type { DashboardSpec } from './kit.js';

const [PRIMARY] = labelValues.redisRole;

export const redis: DashboardSpec = {
  uid: 'herdguard-redis',
  title: 'herdguard / Redis & failover',
  description: 'Redis roles, promotions, key counts and Redis Cluster state as the operator sees them.',
  tags: ['herdguard', 'redis'],
  rows: [
    {
      title: 'Roles',
      panels: [
        {
          title: 'Primaries per Redis',
          description:
            'Pods reporting the primary role. Exactly 1 is healthy; 0 fires RedisPrimaryMissing, 2 or more fires RedisMultiplePrimaries.',
          unit: 'short',
          kind: 'stat',
          queries: [{ expr: redisPrimaries(), legend: '{{redis}}' }],
        },
        {
          title: 'Primary by pod',
          description:
            '1 while the pod reports the primary role. A promotion shows as the 1 moving from one pod to another.',
          unit: 'short',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `max by (redis, pod) (${sel(m.redisRole, { role: PRIMARY })})`,
              legend: '{{redis}} {{pod}}',
            },
          ],
        },
        {
          title: 'Keys',
          description:
            'Keys in the Redis primary. A collapse to near 0 is a cold cache (CacheRestarted); a promoted replica keeps the count.',
          unit: 'short',
          queries: [{ expr: `max by (redis) (${sel(m.redisKeys)})`, legend: '{{redis}}' }],
        },
      ],
    },
    {
      title: 'Failover',
      panels: [
        {
          title: 'Promotions',
          description:
            'Replica promotions in the last 5 minutes, by reason (unplanned loss or planned switchover).',
          unit: 'short',
          queries: [
            {
              expr: sumBy(['redis', 'reason'], `increase(${sel(m.redisPromotions)}[5m])`),
              legend: '{{redis}} {{reason}}',
            },
          ],
        },
        {
          title: 'Promotion held back',
          description:
            '1 for the reason the operator is not promoting although the primary looks lost: NoQuorum, AwaitingFence, PrimaryNotFenced, PrimaryHung, … (runbook RedisPrimaryMissing, one heading per reason). Fenced: 1 while the primary needs a replica majority to write.',
          unit: 'short',
          queries: [
            {
              expr: `max by (redis, reason) (${sel(m.redisFailoverHolding)})`,
              legend: '{{redis}} {{reason}}',
            },
            { expr: `max by (redis) (${sel(m.redisPrimaryFenced)})`, legend: '{{redis}} fenced' },
          ],
        },
        {
          title: 'Promotion failures',
          description: 'Failed promotion attempts in the last 5 minutes, by the step that failed.',
          unit: 'short',
          queries: [
            {
              expr: sumBy(['redis', 'step'], `increase(${sel(m.redisPromotionFailures)}[5m])`),
              legend: '{{redis}} {{step}}',
            },
          ],
        },
        {
          title: 'Failover duration p99',
          description:
            'Time from detected loss (or switchover start) to a writable new primary, 99th percentile over the last hour.',
          unit: 's',
          queries: [
            {
              expr: histogramQuantile(0.99, m.redisFailoverDuration, ['redis', 'reason'], '1h'),
              legend: '{{redis}} {{reason}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Redis Cluster',
      panels: [
        {
          title: 'Cluster state',
          description:
            '1 for the state the leading operator reports for each Redis Cluster (spec.redis.mode cluster): ClusterOk; ClusterDegraded, a node away or slots PFAIL/FAIL (fires RedisClusterDegraded after 5 minutes); ClusterDown, no node with cluster_state:ok (fires RedisClusterDown after 1 minute). The cluster fails over by itself: a shard failover shows as a short ClusterDegraded, never as a promotion above.',
          unit: 'short',
          min: 0,
          max: 1,
          queries: [{ expr: redisClusterState(), legend: '{{redis}} {{reason}}' }],
        },
      ],
    },
  ],
};
