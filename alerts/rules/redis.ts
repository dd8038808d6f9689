import { labelValues, metrics as m } from '../../lib/1-ground/metric-names.js';
import { sel, sumBy } from '../../promql/promql.js';
import { redisClusterState, redisPrimaries } from '../../promql/queries.js';
import type { AlertGroup } from '../spec.js';
import { series } from './series.js';

const [PRIMARY, REPLICA] = labelValues.redisRole;
const role = (pod: string, r: string, values: string) =>
  series(m.redisRole, { redis: 'cache', pod, role: r }, values);
const [CLUSTER_OK, CLUSTER_DEGRADED, CLUSTER_DOWN] = labelValues.redisClusterState;
const OPERATOR = { job: 'herdguard-operator', instance: 'operator-0:8080' };
/** The three cluster-state series of one operator replica, each `values` string 1 while in that state. */
const clusterState = (values: Readonly<Record<string, string>>, from = OPERATOR) =>
  labelValues.redisClusterState.map((reason) =>
    series(m.redisClusterState, { redis: 'cache', reason, ...from }, values[reason] ?? '0x40'),
  );
const leader = (values: string, from = OPERATOR) => series(m.operatorLeader, from, values);
const promotions = sumBy(['redis', 'reason'], `increase(${sel(m.redisPromotions)}[10m])`);
const failures = sumBy(['redis', 'step'], `increase(${sel(m.redisPromotionFailures)}[10m])`);

export const redisAlerts: AlertGroup = {
  name: 'herdguard.redis',
  rules: [
    {
      alert: 'RedisPrimaryMissing',
      expr: `${redisPrimaries()} < 1`,
      for: '1m',
      severity: 'critical',
      summary: 'Redis {{ $labels.redis }} has no primary',
      description:
        'No pod of Redis {{ $labels.redis }} has reported the primary role for over a minute, and the operator has not promoted a replica. Cache writes fail and every lookup falls through to the origin.',
      signal: redisPrimaries(),
      liveNeeds: 'operator',
      tests: [
        {
          name: 'fires when the primary pod reports as a replica and nothing was promoted',
          interval: '15s',
          series: [role('redis-0', PRIMARY, '1x8 0x20'), role('redis-1', REPLICA, '1x28')],
          evals: [
            { at: '2m30s', alerts: [] },
            {
              at: '5m',
              alerts: [
                {
                  labels: { redis: 'cache' },
                  summary: 'Redis cache has no primary',
                  description:
                    'No pod of Redis cache has reported the primary role for over a minute, and the operator has not promoted a replica. Cache writes fail and every lookup falls through to the origin.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when a replica is promoted within seconds',
          interval: '15s',
          series: [role('redis-0', PRIMARY, '1x8 0x20'), role('redis-1', PRIMARY, '0x8 1x20')],
          evals: [{ at: '5m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'RedisMultiplePrimaries',
      expr: `${sumBy(['redis'], sel(m.redisRole, { role: PRIMARY }))} > 1`,
      for: '30s',
      severity: 'critical',
      summary: 'Redis {{ $labels.redis }} has {{ $value }} primaries (split brain)',
      description:
        '{{ $value }} pods of Redis {{ $labels.redis }} report the primary role for over 30 seconds. Writes may land on a primary that the Service does not select and be lost.',
      signal: sumBy(['redis'], sel(m.redisRole, { role: PRIMARY })),
      liveNeeds: 'operator',
      tests: [
        {
          name: 'fires when the old primary returns as a primary next to the promoted one',
          interval: '15s',
          series: [role('redis-0', PRIMARY, '0x4 1x20'), role('redis-1', PRIMARY, '1x24')],
          evals: [
            { at: '1m15s', alerts: [] },
            {
              at: '3m',
              alerts: [
                {
                  labels: { redis: 'cache' },
                  summary: 'Redis cache has 2 primaries (split brain)',
                  description:
                    '2 pods of Redis cache report the primary role for over 30 seconds. Writes may land on a primary that the Service does not select and be lost.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent through a switchover that overlaps for one scrape',
          interval: '15s',
          series: [role('redis-0', PRIMARY, '1x4 1 0x20'), role('redis-1', PRIMARY, '0x4 1x21')],
          evals: [
            { at: '1m15s', alerts: [] },
            { at: '3m', alerts: [] },
          ],
        },
      ],
    },
    {
      alert: 'RedisPromotionHappened',
      expr: `${promotions} > 0`,
      for: '0s',
      severity: 'info',
      summary: 'Redis {{ $labels.redis }} promoted a replica',
      description:
        'The operator promoted a replica of Redis {{ $labels.redis }} in the last 10 minutes (reason: {{ $labels.reason }}). Check that the old primary came back as a replica.',
      signal: promotions,
      liveNeeds: 'failover',
      tests: [
        {
          name: 'fires for 10 minutes after an unplanned promotion',
          interval: '1m',
          series: [series(m.redisPromotions, { redis: 'cache', reason: 'unplanned' }, '0x5 1x20')],
          evals: [
            { at: '4m', alerts: [] },
            {
              at: '8m',
              alerts: [
                {
                  labels: { redis: 'cache', reason: 'unplanned' },
                  summary: 'Redis cache promoted a replica',
                  description:
                    'The operator promoted a replica of Redis cache in the last 10 minutes (reason: unplanned). Check that the old primary came back as a replica.',
                },
              ],
            },
            { at: '20m', alerts: [] },
          ],
        },
      ],
    },
    {
      alert: 'RedisPromotionFailing',
      expr: `${failures} > 0`,
      for: '0s',
      severity: 'critical',
      summary: 'Redis {{ $labels.redis }} promotion is failing at {{ $labels.step }}',
      description:
        'Promotion attempts for Redis {{ $labels.redis }} failed at step {{ $labels.step }} in the last 10 minutes. Failover is not completing on its own.',
      signal: failures,
      liveNeeds: 'failover',
      tests: [
        {
          name: 'fires when promotion attempts fail at the REPLICAOF step',
          interval: '1m',
          series: [series(m.redisPromotionFailures, { redis: 'cache', step: 'replicaof' }, '0x3 1 2 3x20')],
          evals: [
            { at: '2m', alerts: [] },
            {
              at: '6m',
              alerts: [
                {
                  labels: { redis: 'cache', step: 'replicaof' },
                  summary: 'Redis cache promotion is failing at replicaof',
                  description:
                    'Promotion attempts for Redis cache failed at step replicaof in the last 10 minutes. Failover is not completing on its own.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when the failure counter exists but never moves',
          interval: '1m',
          series: [series(m.redisPromotionFailures, { redis: 'cache', step: 'replicaof' }, '0x20')],
          evals: [{ at: '15m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'RedisClusterDown',
      expr: `${redisClusterState(CLUSTER_DOWN)} == 1`,
      for: '1m',
      severity: 'critical',
      summary: 'Redis Cluster {{ $labels.redis }} is down',
      description:
        'No node of Redis Cluster {{ $labels.redis }} has answered the operator with cluster_state:ok for over a minute: every cache lookup falls through to the origin. Redis Cluster fails over by itself and the operator never promotes its nodes: read CLUSTER INFO and CLUSTER NODES on its nodes to see which primaries failed, and bring them back.',
      signal: redisClusterState(),
      liveNeeds: 'cluster',
      tests: [
        {
          name: 'fires when the leading operator reports ClusterDown for over a minute',
          interval: '15s',
          series: [...clusterState({ [CLUSTER_OK]: '1x4 0x36', [CLUSTER_DOWN]: '0x4 1x36' }), leader('1x40')],
          evals: [
            { at: '1m30s', alerts: [] },
            {
              at: '3m',
              alerts: [
                {
                  labels: { redis: 'cache', reason: CLUSTER_DOWN },
                  summary: 'Redis Cluster cache is down',
                  description:
                    'No node of Redis Cluster cache has answered the operator with cluster_state:ok for over a minute: every cache lookup falls through to the origin. Redis Cluster fails over by itself and the operator never promotes its nodes: read CLUSTER INFO and CLUSTER NODES on its nodes to see which primaries failed, and bring them back.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent through 30 seconds of ClusterDown while a shard fails over',
          interval: '15s',
          series: [
            ...clusterState({ [CLUSTER_OK]: '1x4 0x1 1x35', [CLUSTER_DOWN]: '0x4 1x1 0x35' }),
            leader('1x40'),
          ],
          evals: [{ at: '3m', alerts: [] }],
        },
        {
          name: 'stays silent on a ClusterDown left behind by a replica that no longer leads',
          interval: '15s',
          series: [
            ...clusterState({ [CLUSTER_OK]: '1x40' }),
            leader('1x40'),
            ...clusterState({ [CLUSTER_DOWN]: '1x40' }, { ...OPERATOR, instance: 'operator-1:8080' }),
            leader('0x40', { ...OPERATOR, instance: 'operator-1:8080' }),
          ],
          evals: [{ at: '5m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'RedisClusterDegraded',
      expr: `${redisClusterState(CLUSTER_DEGRADED)} == 1`,
      for: '5m',
      severity: 'warning',
      summary: 'Redis Cluster {{ $labels.redis }} is degraded',
      description:
        'Redis Cluster {{ $labels.redis }} has served its slots from less than full health for over 5 minutes: a node does not answer, or slots are flagged PFAIL/FAIL or unassigned (a shard lost its replica or is failing over). Find the node with CLUSTER NODES and bring it back before its shard loses its last copy.',
      signal: redisClusterState(),
      liveNeeds: 'cluster',
      tests: [
        {
          name: 'fires when a node stays away for over 5 minutes',
          interval: '1m',
          series: [
            ...clusterState({ [CLUSTER_OK]: '1 0x20', [CLUSTER_DEGRADED]: '0 1x20' }),
            leader('1x21'),
          ],
          evals: [
            { at: '4m', alerts: [] },
            {
              at: '8m',
              alerts: [
                {
                  labels: { redis: 'cache', reason: CLUSTER_DEGRADED },
                  summary: 'Redis Cluster cache is degraded',
                  description:
                    'Redis Cluster cache has served its slots from less than full health for over 5 minutes: a node does not answer, or slots are flagged PFAIL/FAIL or unassigned (a shard lost its replica or is failing over). Find the node with CLUSTER NODES and bring it back before its shard loses its last copy.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent while a shard fails over and its old primary rejoins within minutes',
          interval: '1m',
          series: [
            ...clusterState({ [CLUSTER_OK]: '1 0x2 1x18', [CLUSTER_DEGRADED]: '0 1x2 0x18' }),
            leader('1x21'),
          ],
          evals: [
            { at: '2m', alerts: [] },
            { at: '10m', alerts: [] },
          ],
        },
      ],
    },
  ],
};
