/**
 * Recording rules, in the monitoring-mixin naming style (`level:metric:operations`): the long
 * ratios are computed once, here, so every alert expression reads as one comparison and the
 * dashboards and on-call can query the same series by name.
 */
import {
  cacheDemand,
  cacheMisses,
  feedLoopsNetStarted,
  httpErrorRatio,
  reconcileErrorRatio,
} from '../promql/queries.js';
import type { RecordDef, RecordGroup } from './spec.js';

/** The windows the burn-rate alerts compare (slo.ts): long and short of each pair. */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
export type SloWindow = (typeof SLO_WINDOWS)[number];

export const recorded = {
  cacheDemand: 'herdguard:cache_requests:rate1m',
  cacheMisses: 'herdguard:cache_misses:rate1m',
  cacheHitRatio: 'herdguard:cache_hit:ratio_rate1m',
  httpErrorRatio: (w: SloWindow) => `herdguard:http_errors:ratio_rate${w}`,
  feedLoopsNetStarted: 'herdguard:feed_loops_net_started:increase30m',
  reconcileErrorRatio: 'herdguard:operator_reconcile_errors:ratio_rate5m',
} as const;

export const recordGroups: readonly RecordGroup[] = [
  {
    name: 'herdguard.records',
    records: [
      { record: recorded.cacheDemand, expr: cacheDemand('1m') },
      { record: recorded.cacheMisses, expr: cacheMisses('1m') },
      // Rules of a group run in order, so the ratio reads the two series recorded just above.
      { record: recorded.cacheHitRatio, expr: `1 - ${recorded.cacheMisses} / ${recorded.cacheDemand}` },
      { record: recorded.feedLoopsNetStarted, expr: feedLoopsNetStarted('30m') },
      { record: recorded.reconcileErrorRatio, expr: reconcileErrorRatio('5m') },
      ...SLO_WINDOWS.map((w) => ({ record: recorded.httpErrorRatio(w), expr: httpErrorRatio(w) })),
    ],
  },
];

export function allRecords(): RecordDef[] {
  return recordGroups.flatMap((g) => [...g.records]);
}
