import { recorded } from '../recording.js';
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { sel } from '../../promql/promql.js';
import { cacheHitRatio, coalescedRate } from '../../promql/queries.js';
import type { AlertGroup } from '../spec.js';
import { series } from './series.js';

const user = { service: 'profile', keyspace: 'user:' };
const req = (tier: string, result: string, values: string) =>
  series(m.cacheRequests, { ...user, tier, result }, values);

export const HIT_RATIO_THRESHOLD = 0.8;
export const HOT_KEY_RPS = 1000;
export const COALESCED_RPS = 1000;
export const KEYS_FLOOR = 1000;

export const cacheAlerts: AlertGroup = {
  name: 'herdguard.cache',
  rules: [
    {
      alert: 'CacheHitRateLow',
      // Seed 003: below 80% for 2 minutes. The traffic floor keeps an idle keyspace quiet.
      expr: `${recorded.cacheHitRatio} < ${HIT_RATIO_THRESHOLD} and ${recorded.cacheDemand} > 1`,
      for: '2m',
      severity: 'warning',
      summary: 'Cache hit rate below 80% in {{ $labels.service }}/{{ $labels.keyspace }}',
      description:
        'Only {{ $value | humanizePercentage }} of lookups in {{ $labels.service }}/{{ $labels.keyspace }} were answered from cache over the last minute (threshold 80%). Every miss reaches the origin or waits for it.',
      signal: cacheHitRatio('1m'),
      tests: [
        {
          name: 'fires when a synchronized expiry drops the hit rate to 30% for more than 2 minutes',
          interval: '15s',
          // 16 lookups/s at 94% for 10 minutes, then 10 lookups/s at 30%.
          series: [
            req('l1', 'hit', '0+150x40 6000+30x40'),
            req('l2', 'hit', '0+75x40 3000+15x40'),
            req('l2', 'miss', '0+15x40 600+105x40'),
          ],
          evals: [
            { at: '9m', alerts: [] },
            { at: '12m', alerts: [] },
            {
              at: '15m',
              alerts: [
                {
                  labels: user,
                  summary: 'Cache hit rate below 80% in profile/user:',
                  description:
                    'Only 30% of lookups in profile/user: were answered from cache over the last minute (threshold 80%). Every miss reaches the origin or waits for it.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent on a keyspace with under one lookup per second',
          interval: '15s',
          series: [req('l2', 'hit', '0+3x40'), req('l2', 'miss', '0+9x40')],
          evals: [{ at: '8m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'CacheRestarted',
      // Seed 003's "cache keys < 1000" made relative: a collapse to under 10% of the recent peak.
      expr: `(${sel(m.redisKeys)} < 0.1 * max_over_time(${sel(m.redisKeys)}[30m])) and max_over_time(${sel(m.redisKeys)}[30m]) >= ${KEYS_FLOOR}`,
      for: '30s',
      severity: 'critical',
      summary: 'Redis {{ $labels.redis }} lost its keys (cold cache)',
      description:
        'Redis {{ $labels.redis }} holds {{ $value | humanize }} keys, under 10% of its 30-minute peak: it restarted empty or was flushed, and lookups now fall through to the origin.',
      signal: sel(m.redisKeys),
      liveNeeds: 'operator',
      tests: [
        {
          name: 'fires when the key count collapses from 50k to 200',
          interval: '15s',
          series: [series(m.redisKeys, { redis: 'cache' }, '50000x40 200x20')],
          evals: [
            { at: '9m', alerts: [] },
            {
              at: '11m',
              alerts: [
                {
                  labels: { redis: 'cache' },
                  summary: 'Redis cache lost its keys (cold cache)',
                  description:
                    'Redis cache holds 200 keys, under 10% of its 30-minute peak: it restarted empty or was flushed, and lookups now fall through to the origin.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when a small cache that never held 1000 keys empties',
          interval: '15s',
          series: [series(m.redisKeys, { redis: 'cache' }, '500x40 10x20')],
          evals: [{ at: '12m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'CacheHotKey',
      expr: `${sel(m.hotKeyRate, { rank: '1' })} > ${HOT_KEY_RPS}`,
      for: '1m',
      severity: 'warning',
      summary: 'Hot key in {{ $labels.service }}/{{ $labels.keyspace }}',
      description:
        'The busiest key of {{ $labels.service }}/{{ $labels.keyspace }} takes {{ $value | humanize }} requests/s (threshold 1000/s). Its name is in the CachePolicy status (status.hotKeys) and the service logs.',
      signal: sel(m.hotKeyRate, { rank: '1' }),
      tests: [
        {
          name: 'fires when the rank-1 key takes 1500 requests per second',
          interval: '15s',
          series: [
            series(m.hotKeyRate, { service: 'market-data', keyspace: 'quote:', rank: '1' }, '1500x20'),
            series(m.hotKeyRate, { service: 'market-data', keyspace: 'quote:', rank: '2' }, '1200x20'),
          ],
          evals: [
            { at: '30s', alerts: [] },
            {
              at: '2m',
              alerts: [
                {
                  labels: { service: 'market-data', keyspace: 'quote:', rank: '1' },
                  summary: 'Hot key in market-data/quote:',
                  description:
                    'The busiest key of market-data/quote: takes 1.5k requests/s (threshold 1000/s). Its name is in the CachePolicy status (status.hotKeys) and the service logs.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent while the busiest key stays under 1000 requests per second',
          interval: '15s',
          series: [series(m.hotKeyRate, { service: 'market-data', keyspace: 'quote:', rank: '1' }, '900x20')],
          evals: [{ at: '4m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'CacheCoalescingHigh',
      // Seed 003: coalescing is the protection working; this says a burst of misses is happening.
      expr: `${coalescedRate('5m')} > ${COALESCED_RPS}`,
      for: '2m',
      severity: 'info',
      summary: 'Heavy request coalescing in {{ $labels.service }}/{{ $labels.keyspace }}',
      description:
        '{{ $labels.service }}/{{ $labels.keyspace }} joined {{ $value | humanize }} requests/s onto in-flight loads over 5 minutes (threshold 1000/s). The origin is protected; find what makes so many lookups miss together.',
      signal: coalescedRate('5m'),
      tests: [
        {
          name: 'fires when 1200 requests per second join in-flight loads',
          interval: '15s',
          series: [
            series(m.cacheCoalesced, { ...user, scope: 'local' }, '0+9000x40'),
            series(m.cacheCoalesced, { ...user, scope: 'distributed' }, '0+9000x40'),
          ],
          evals: [
            { at: '1m', alerts: [] },
            {
              at: '8m',
              alerts: [
                {
                  labels: user,
                  summary: 'Heavy request coalescing in profile/user:',
                  description:
                    'profile/user: joined 1.2k requests/s onto in-flight loads over 5 minutes (threshold 1000/s). The origin is protected; find what makes so many lookups miss together.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent at 100 coalesced requests per second',
          interval: '15s',
          series: [series(m.cacheCoalesced, { ...user, scope: 'local' }, '0+1500x40')],
          evals: [{ at: '8m', alerts: [] }],
        },
      ],
    },
  ],
};
