import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { originP99, poolWaiting } from '../../promql/queries.js';
import type { AlertGroup } from '../spec.js';
import { series } from './series.js';

export const POOL_WAITING_THRESHOLD = 1;
export const ORIGIN_P99_SECONDS = 0.25;

const pg = { service: 'profile', origin: 'postgres' };
const bucket = (le: string, values: string) => series(m.originDuration, { ...pg, le }, values, '_bucket');

export const originAlerts: AlertGroup = {
  name: 'herdguard.origin',
  rules: [
    {
      alert: 'OriginPoolSaturated',
      expr: `${poolWaiting('1m')} > ${POOL_WAITING_THRESHOLD}`,
      for: '1m',
      severity: 'warning',
      summary: 'Database pool of {{ $labels.service }} is saturated',
      description:
        'On average {{ $value | humanize }} requests of {{ $labels.service }} waited for a PostgreSQL connection over the last minute (threshold 1). The origin is taking more concurrent loads than the pool allows: a stampede is likely under way.',
      signal: poolWaiting('1m'),
      tests: [
        {
          name: 'fires when 12 clients wait for a connection for over a minute',
          interval: '15s',
          series: [series(m.dbPoolConnections, { service: 'profile', state: 'waiting' }, '0x20 12x20')],
          evals: [
            { at: '4m', alerts: [] },
            {
              at: '7m',
              alerts: [
                {
                  labels: { service: 'profile' },
                  summary: 'Database pool of profile is saturated',
                  description:
                    'On average 12 requests of profile waited for a PostgreSQL connection over the last minute (threshold 1). The origin is taking more concurrent loads than the pool allows: a stampede is likely under way.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when a client waits only now and then',
          interval: '15s',
          series: [
            series(
              m.dbPoolConnections,
              { service: 'profile', state: 'waiting' },
              '0 1 0 0 1 0 0 0 1 0 0 0 1 0 0 0 0 1 0 0',
            ),
          ],
          evals: [{ at: '4m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'OriginLatencyHigh',
      expr: `${originP99('2m')} > ${ORIGIN_P99_SECONDS}`,
      for: '2m',
      severity: 'warning',
      summary: 'Origin {{ $labels.origin }} of {{ $labels.service }} is slow',
      description:
        'p99 latency of {{ $labels.service }} calls to {{ $labels.origin }} is {{ $value | humanizeDuration }} over 2 minutes (threshold 250ms). The origin is saturated or degraded; cache misses queue behind it.',
      signal: originP99('2m'),
      tests: [
        {
          name: 'fires when every origin call takes between 0.5 and 1 second',
          interval: '15s',
          series: [
            bucket('0.1', '0x40'),
            bucket('0.25', '0x40'),
            bucket('0.5', '0x40'),
            bucket('1', '0+100x40'),
            bucket('+Inf', '0+100x40'),
          ],
          evals: [
            { at: '1m', alerts: [] },
            {
              at: '6m',
              alerts: [
                {
                  labels: pg,
                  summary: 'Origin postgres of profile is slow',
                  description:
                    'p99 latency of profile calls to postgres is 995ms over 2 minutes (threshold 250ms). The origin is saturated or degraded; cache misses queue behind it.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when origin calls finish under 100 milliseconds',
          interval: '15s',
          series: [
            bucket('0.1', '0+100x40'),
            bucket('0.25', '0+100x40'),
            bucket('0.5', '0+100x40'),
            bucket('1', '0+100x40'),
            bucket('+Inf', '0+100x40'),
          ],
          evals: [{ at: '8m', alerts: [] }],
        },
      ],
    },
  ],
};
