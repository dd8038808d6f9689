import { recorded } from '../recording.js';
import { labelValues, metrics as m } from '../../lib/1-ground/metric-names.js';
import { sel, sumBy } from '../../promql/promql.js';
import { feedLoopsNetStarted, quoteAgeSeconds } from '../../promql/queries.js';
import type { AlertGroup } from '../spec.js';
import { series } from './series.js';

const [SUBSCRIBED, ORPHANED] = labelValues.feedState;
export const FEED_GROWTH_THRESHOLD = 50;
export const QUOTE_STALE_SECONDS = 60;

const md = { service: 'market-data' };
/** Net loops started over 30 minutes; stops count as 0 before the first loop ever stops. */
/** Stale quotes on pods that run at least one subscribed loop (a pod nobody watches may go quiet). */
const staleWatchedQuotes = `(${quoteAgeSeconds()} > ${QUOTE_STALE_SECONDS}) and on (instance) (${sumBy(['instance'], sel(m.feedLoops, { state: SUBSCRIBED }))} > 0)`;

export const feedAlerts: AlertGroup = {
  name: 'herdguard.feeds',
  rules: [
    {
      alert: 'FeedLoopsOrphaned',
      expr: `${sumBy(['service'], sel(m.feedLoops, { state: ORPHANED }))} > 0`,
      for: '2m',
      severity: 'warning',
      summary: '{{ $labels.service }} runs feed loops nobody listens to',
      description:
        '{{ $labels.service }} has {{ $value | humanize }} feed loops with no subscriber for over 2 minutes. Each one still polls the rate-limited upstream vendor.',
      signal: sumBy(['service'], sel(m.feedLoops)),
      liveNeeds: 'feeds',
      tests: [
        {
          name: 'fires when 3 loops stay orphaned for more than 2 minutes',
          interval: '15s',
          series: [
            series(m.feedLoops, { ...md, state: 'orphaned' }, '0x8 3x20'),
            series(m.feedLoops, { ...md, state: 'subscribed' }, '10x28'),
          ],
          evals: [
            { at: '3m', alerts: [] },
            {
              at: '5m',
              alerts: [
                {
                  labels: md,
                  summary: 'market-data runs feed loops nobody listens to',
                  description:
                    'market-data has 3 feed loops with no subscriber for over 2 minutes. Each one still polls the rate-limited upstream vendor.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when an orphan is stopped within its grace period',
          interval: '15s',
          series: [series(m.feedLoops, { ...md, state: 'orphaned' }, '0x4 1x3 0x20')],
          evals: [{ at: '5m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'FeedLoopsGrowing',
      expr: `${recorded.feedLoopsNetStarted} > ${FEED_GROWTH_THRESHOLD}`,
      for: '10m',
      severity: 'warning',
      summary: 'Feed loops keep accumulating in {{ $labels.service }}',
      description:
        '{{ $labels.service }} started {{ $value | humanize }} more feed loops than it stopped over the last 30 minutes (threshold 50). Loops are leaking: they start on subscribe and are not stopped on disconnect.',
      signal: feedLoopsNetStarted('30m'),
      liveNeeds: 'feeds',
      tests: [
        {
          name: 'fires when loops start steadily and never stop',
          interval: '1m',
          series: [series(m.feedLoopsStarted, md, '0+4x60')],
          evals: [
            { at: '10m', alerts: [] },
            {
              at: '50m',
              alerts: [
                {
                  labels: md,
                  summary: 'Feed loops keep accumulating in market-data',
                  description:
                    'market-data started 120 more feed loops than it stopped over the last 30 minutes (threshold 50). Loops are leaking: they start on subscribe and are not stopped on disconnect.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent under heavy churn where every started loop stops',
          interval: '1m',
          series: [
            series(m.feedLoopsStarted, md, '0+40x60'),
            series(m.feedLoopsStopped, { ...md, reason: 'unsubscribed' }, '0+40x60'),
          ],
          evals: [{ at: '50m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'QuoteStale',
      expr: staleWatchedQuotes,
      for: '1m',
      severity: 'warning',
      summary: 'Quotes for {{ $labels.symbol }} are stale on {{ $labels.instance }}',
      description:
        '{{ $labels.instance }} last saw a quote for {{ $labels.symbol }} {{ $value | humanizeDuration }} ago (threshold 1m) while clients are subscribed. Its feed loop is stuck or the upstream vendor stopped answering.',
      signal: quoteAgeSeconds(),
      liveNeeds: 'feeds',
      tests: [
        {
          name: 'fires when a watched symbol gets no update for 3 minutes',
          interval: '15s',
          series: [
            series(m.quoteLastUpdate, { symbol: 'SPY', instance: 'md-0' }, '0+15x20 300x20'),
            series(m.feedLoops, { ...md, state: 'subscribed', instance: 'md-0' }, '1x40'),
          ],
          evals: [
            { at: '5m', alerts: [] },
            {
              at: '8m',
              alerts: [
                {
                  labels: { symbol: 'SPY', instance: 'md-0' },
                  summary: 'Quotes for SPY are stale on md-0',
                  description:
                    'md-0 last saw a quote for SPY 3m 0s ago (threshold 1m) while clients are subscribed. Its feed loop is stuck or the upstream vendor stopped answering.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when nobody is subscribed on the pod',
          interval: '15s',
          series: [
            series(m.quoteLastUpdate, { symbol: 'SPY', instance: 'md-0' }, '0+15x20 300x20'),
            series(m.feedLoops, { ...md, state: 'subscribed', instance: 'md-0' }, '1x20 0x20'),
          ],
          evals: [{ at: '9m', alerts: [] }],
        },
      ],
    },
  ],
};
