/** Feeds: market-data feed loops, quote freshness and WebSocket balance. */
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { rate, sel, sumBy } from '../../promql/promql.js';
import { quoteAgeSeconds } from '../../promql/queries.js';
import { W, type DashboardSpec } from './kit.js';

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
