import { labelValues, metrics as m } from '../../lib/1-ground/metric-names.js';
import { sel, sumBy } from '../../promql/promql.js';
import { redisPrimaries } from '../../promql/queries.js';
import type { AlertGroup } from '../spec.js';
import { series } from './series.js';

const [PRIMARY, REPLICA] = labelValues.redisRole;
const role = (pod: string, r: string, values: string) =>
  series(m.redisRole, { redis: 'cache', pod, role: r }, values);
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
  ],
};
