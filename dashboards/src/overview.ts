/** Overview: is the cache protecting the origin? Hit rate, origin load against demand, coalescing, leases, stale serving, latency. */
import { labelValues, metrics as m } from '../../lib/1-ground/metric-names.js';
import { rate, sel, sumBy } from '../../promql/promql.js';
import {
  cacheDemand,
  cacheHitRatio,
  cacheServedShare,
  httpP99,
  originP99,
  originRate,
} from '../../promql/queries.js';
import { W, type DashboardSpec } from './kit.js';

const [L1, L2] = labelValues.tier;
const [HIT, , STALE] = labelValues.result;

export const overview: DashboardSpec = {
  uid: 'herdguard-overview',
  title: 'herdguard / Overview',
  description:
    'Is the cache protecting the origin? Hit rate, origin load against demand, coalescing, leases, stale serving and latency.',
  tags: ['herdguard', 'cache'],
  rows: [
    {
      title: 'Cache',
      panels: [
        {
          title: 'Hit rate',
          description:
            'Share of lookups answered from cache (fresh or stale, any tier) per service. CacheHitRateLow fires under 80% for 2 minutes.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [{ expr: cacheHitRatio(W, ['service']), legend: '{{service}}' }],
        },
        {
          title: 'Hit rate by tier',
          description:
            'Share of all lookups answered by L1 (in-process), by L2 (Redis, fresh), and by a stale L2 value. The rest went to the origin.',
          unit: 'percentunit',
          stack: 'normal',
          min: 0,
          max: 1,
          queries: [
            { expr: cacheServedShare(L1, HIT, W), legend: '{{service}} L1 hit' },
            { expr: cacheServedShare(L2, HIT, W), legend: '{{service}} L2 hit' },
            { expr: cacheServedShare(L2, STALE, W), legend: '{{service}} L2 stale' },
          ],
        },
        {
          title: 'Stale values served',
          description:
            'Lookups per second answered with a stale value (stale-while-revalidate or stale-if-error) while a refresh runs or the origin fails.',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy(['service', 'keyspace'], rate(sel(m.cacheRequests, { result: STALE }), W)),
              legend: '{{service}} {{keyspace}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Origin protection',
      panels: [
        {
          title: 'Origin calls vs cache lookups',
          description:
            'Lookups per second against calls per second that reached the origin. In a stampede the two lines converge; protected, origin calls stay flat.',
          unit: 'reqps',
          queries: [
            { expr: cacheDemand(W, ['service']), legend: '{{service}} lookups' },
            { expr: originRate(W, ['service']), legend: '{{service}} origin calls' },
          ],
        },
        {
          title: 'Coalescing rate',
          description:
            'Requests per second that joined an in-flight load instead of calling the origin: in-process (local) or across pods via the Redis lease (distributed).',
          unit: 'reqps',
          queries: [
            {
              expr: sumBy(['service', 'scope'], rate(sel(m.cacheCoalesced), W)),
              legend: '{{service}} {{scope}}',
            },
          ],
        },
        {
          title: 'Lease outcomes',
          description:
            'Distributed lease results per second: acquired (this pod loads), waited (another pod loaded), timeout (waited too long), takeover (leader died).',
          unit: 'reqps',
          stack: 'normal',
          queries: [
            {
              expr: sumBy(['service', 'result'], rate(sel(m.cacheLease), W)),
              legend: '{{service}} {{result}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Latency and origin health',
      panels: [
        {
          title: 'HTTP p99 latency',
          description: '99th percentile of HTTP request latency per service, all routes.',
          unit: 's',
          queries: [{ expr: httpP99(W), legend: '{{service}}' }],
        },
        {
          title: 'Origin p99 latency',
          description:
            '99th percentile of origin call latency. OriginLatencyHigh fires above 250ms for 2 minutes.',
          unit: 's',
          queries: [{ expr: originP99(W), legend: '{{service}} {{origin}}' }],
        },
        {
          title: 'Database pool',
          description:
            'PostgreSQL pool connections by state; "waiting" counts requests queued for a connection. OriginPoolSaturated fires above 1 waiting on average.',
          unit: 'short',
          queries: [
            { expr: sumBy(['service', 'state'], sel(m.dbPoolConnections)), legend: '{{service}} {{state}}' },
          ],
        },
      ],
    },
  ],
};
