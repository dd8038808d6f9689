/**
 * The five herdguard dashboards. Queries come from the shared alert queries where an alert
 * thresholds the same number, so the panel an alert links to shows what fired it.
 */
import { labelValues, metrics as m } from '../../lib/1-ground/metric-names.js';
import { histogramQuantile, rate, sel, sumBy } from '../../promql/promql.js';
import {
  cacheDemand,
  cacheHitRatio,
  cacheServedShare,
  httpP99,
  originP99,
  originRate,
  quoteAgeSeconds,
  redisPrimaries,
} from '../../promql/queries.js';
import { W, type DashboardSpec } from './kit.js';

const [L1, L2] = labelValues.tier;
const [HIT, , STALE] = labelValues.result;
const [PRIMARY] = labelValues.redisRole;

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

export const hotKeys: DashboardSpec = {
  uid: 'herdguard-hot-keys',
  title: 'herdguard / Hot keys',
  description: 'Top-K keys by rank (names are in CachePolicy status.hotKeys and the logs, never in labels).',
  tags: ['herdguard', 'cache', 'hot-keys'],
  rows: [
    {
      title: 'Top-K',
      panels: [
        {
          title: 'Share of requests by rank',
          description:
            'Share of the keyspace requests taken by the rank-N key over the hot-key window, per pod. One rank far above the others is a hot key.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: `max by (service, keyspace, rank) (${sel(m.hotKeyShare)})`,
              legend: '{{service}} {{keyspace}} #{{rank}}',
            },
          ],
        },
        {
          title: 'Rank-1 key request rate',
          description: 'Requests per second of the busiest key. CacheHotKey fires above 1000/s for a minute.',
          unit: 'reqps',
          queries: [
            {
              expr: `max by (service, keyspace, instance) (${sel(m.hotKeyRate, { rank: '1' })})`,
              legend: '{{service}} {{keyspace}} {{instance}}',
            },
          ],
        },
        {
          title: 'Top-10 combined share',
          description:
            'Share of requests taken by the ten busiest keys together, per pod: close to 1 means a handful of keys carry the load.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: sumBy(['service', 'keyspace', 'instance'], sel(m.hotKeyShare)),
              legend: '{{service}} {{keyspace}} {{instance}}',
            },
          ],
        },
      ],
    },
  ],
};

export const feeds: DashboardSpec = {
  uid: 'herdguard-feeds',
  title: 'herdguard / Feeds',
  description: 'Market-data feed loops, quote freshness and WebSocket balance.',
  tags: ['herdguard', 'market-data'],
  rows: [
    {
      title: 'Feed loops',
      panels: [
        {
          title: 'Feed loops by state',
          description:
            'Loops running with subscribers, and orphaned loops that nobody listens to (FeedLoopsOrphaned fires when above 0 for 2 minutes).',
          unit: 'short',
          queries: [{ expr: sumBy(['service', 'state'], sel(m.feedLoops)), legend: '{{service}} {{state}}' }],
        },
        {
          title: 'Loops started and stopped',
          description:
            'Loops started and stopped per second. Starts without matching stops mean leaking loops (FeedLoopsGrowing).',
          unit: 'ops',
          queries: [
            { expr: sumBy(['service'], rate(sel(m.feedLoopsStarted), W)), legend: '{{service}} started' },
            {
              expr: sumBy(['service', 'reason'], rate(sel(m.feedLoopsStopped), W)),
              legend: '{{service}} stopped ({{reason}})',
            },
          ],
        },
        {
          title: 'Quote age',
          description:
            'Seconds since the last quote per symbol, worst pod. QuoteStale fires above 60s on pods with subscribers.',
          unit: 's',
          queries: [{ expr: `max by (symbol) (${quoteAgeSeconds()})`, legend: '{{symbol}}' }],
        },
      ],
    },
    {
      title: 'WebSocket balance',
      panels: [
        {
          title: 'WebSocket connections per pod',
          description:
            'Open WebSocket connections on each pod. Lines far apart mean connections piled on one pod.',
          unit: 'short',
          queries: [
            {
              expr: `sum by (service, instance) (${sel(m.wsConnections)})`,
              legend: '{{service}} {{instance}}',
            },
          ],
        },
        {
          title: 'Clients rebalanced',
          description:
            'Clients per second asked to reconnect elsewhere because their pod held more than its share.',
          unit: 'ops',
          queries: [
            {
              expr: sumBy(['service', 'instance'], rate(sel(m.wsRebalanced), W)),
              legend: '{{service}} {{instance}}',
            },
          ],
        },
      ],
    },
  ],
};

export const redis: DashboardSpec = {
  uid: 'herdguard-redis',
  title: 'herdguard / Redis & failover',
  description: 'Redis roles, promotions and key counts as the operator sees them.',
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
            { expr: `max by (redis, reason) (${sel(m.redisFailoverHolding)})`, legend: '{{redis}} {{reason}}' },
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
  ],
};

export const operator: DashboardSpec = {
  uid: 'herdguard-operator',
  title: 'herdguard / Operator',
  description: 'Reconcile health, work queue, leadership and CachePolicy delivery.',
  tags: ['herdguard', 'operator'],
  rows: [
    {
      title: 'Reconciles',
      panels: [
        {
          title: 'Reconciles by result',
          description:
            'Reconciles per second by controller and result. OperatorReconcileErrors fires when over 10% fail for 10 minutes.',
          unit: 'ops',
          queries: [
            {
              expr: sumBy(['controller', 'result'], rate(sel(m.operatorReconcile), W)),
              legend: '{{controller}} {{result}}',
            },
          ],
        },
        {
          title: 'Reconcile p99 duration',
          description: '99th percentile reconcile duration per controller.',
          unit: 's',
          queries: [
            {
              expr: histogramQuantile(0.99, m.operatorReconcileDuration, ['controller'], W),
              legend: '{{controller}}',
            },
          ],
        },
        {
          title: 'Work queue depth',
          description:
            'Items waiting in each controller queue. Steady growth means reconciles cannot keep up.',
          unit: 'short',
          queries: [{ expr: sumBy(['controller'], sel(m.operatorQueueDepth)), legend: '{{controller}}' }],
        },
      ],
    },
    {
      title: 'Policy delivery',
      panels: [
        {
          title: 'Leader replicas',
          description:
            'Operator replicas holding the leader lease. 1 is healthy; 0 for 2 minutes fires OperatorDown.',
          unit: 'short',
          kind: 'stat',
          queries: [{ expr: `sum(${sel(m.operatorLeader)})`, legend: 'leaders' }],
        },
        {
          title: 'Policy generations: desired vs applied',
          description:
            'Generation the operator wants per policy against the generation each pod applied. A pod below the desired line for 2 minutes fires PolicyNotApplied.',
          unit: 'none',
          queries: [
            { expr: `max by (policy) (${sel(m.policyGenerationDesired)})`, legend: '{{policy}} desired' },
            {
              expr: `max by (service, policy, instance) (${sel(m.policyGenerationApplied)})`,
              legend: '{{policy}} applied on {{instance}}',
            },
          ],
        },
        {
          title: 'Policy updates refused',
          description:
            'Policy updates a service refused per second (the last good policy stays in force), by reason.',
          unit: 'ops',
          queries: [
            {
              expr: sumBy(['service', 'reason'], rate(sel(m.policyReloadErrors), W)),
              legend: '{{service}} {{reason}}',
            },
          ],
        },
      ],
    },
  ],
};

export const dashboards: readonly DashboardSpec[] = [overview, hotKeys, feeds, redis, operator];
