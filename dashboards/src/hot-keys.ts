/** Hot keys: the top-K keys by rank, without key names in labels. */
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { sel, sumBy } from '../../promql/promql.js';
import type { DashboardSpec } from './kit.js';

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
