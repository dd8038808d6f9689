/**
 * Multi-window, multi-burn-rate alerts on the services' availability SLO (the SRE workbook
 * scheme): a long window proves the burn is real, a short one that it is still going on.
 */
import { recorded, type SloWindow } from '../recording.js';
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { httpErrorRatio } from '../../promql/queries.js';
import type { AlertGroup, AlertTestCase } from '../spec.js';
import { num, series } from './series.js';

/** 99.9% of requests answer without a 5xx, over 30 days. */
export const AVAILABILITY_SLO = 0.999;
const BUDGET = 1 - AVAILABILITY_SLO;

function burn(pairs: readonly [long: SloWindow, short: SloWindow, factor: number][]): string {
  const over = (w: SloWindow, f: number) => `${recorded.httpErrorRatio(w)} > ${num(f * BUDGET)}`;
  return pairs.map(([long, short, f]) => `(${over(long, f)} and ${over(short, f)})`).join(' or ');
}

const route = { service: 'profile', route: '/users/:id' };
/** `perMinute` requests a minute, `errorsPerMinute` of them 5xx, for `minutes`. */
function traffic(
  name: string,
  minutes: number,
  perMinute: number,
  errorsPerMinute: number,
  evals: AlertTestCase['evals'],
): AlertTestCase {
  return {
    name,
    interval: '1m',
    series: [
      series(m.httpRequests, { ...route, code: '2xx' }, `0+${perMinute - errorsPerMinute}x${minutes}`),
      series(m.httpRequests, { ...route, code: '5xx' }, `0+${errorsPerMinute}x${minutes}`),
    ],
    evals,
  };
}

export const sloAlerts: AlertGroup = {
  name: 'herdguard.slo',
  rules: [
    {
      alert: 'ErrorBudgetBurnFast',
      expr: burn([
        ['1h', '5m', 14.4],
        ['6h', '30m', 6],
      ]),
      for: '2m',
      severity: 'critical',
      summary: '{{ $labels.service }} is burning its error budget fast',
      description:
        '{{ $value | humanizePercentage }} of {{ $labels.service }} requests failed with a 5xx over the long window (1h at 14.4x or 6h at 6x the 0.1% budget of the 99.9% availability SLO). At this rate the 30-day budget is gone in days.',
      signal: httpErrorRatio('1h'),
      tests: [
        traffic('fires when 2% of requests fail for over an hour', 90, 1000, 20, [
          { at: '2m', alerts: [] },
          {
            at: '70m',
            alerts: [
              {
                labels: { service: 'profile' },
                summary: 'profile is burning its error budget fast',
                description:
                  '2% of profile requests failed with a 5xx over the long window (1h at 14.4x or 6h at 6x the 0.1% budget of the 99.9% availability SLO). At this rate the 30-day budget is gone in days.',
              },
            ],
          },
        ]),
        traffic('stays silent when 0.5% of requests fail, a slow burn', 90, 1000, 5, [
          { at: '70m', alerts: [] },
        ]),
      ],
    },
    {
      alert: 'ErrorBudgetBurnSlow',
      expr: burn([
        ['1d', '2h', 3],
        ['3d', '6h', 1],
      ]),
      for: '15m',
      severity: 'warning',
      summary: '{{ $labels.service }} is slowly burning its error budget',
      description:
        '{{ $value | humanizePercentage }} of {{ $labels.service }} requests failed with a 5xx over the long window (1d at 3x or 3d at 1x the 0.1% budget of the 99.9% availability SLO). The 30-day budget will run out before the month ends.',
      signal: httpErrorRatio('1d'),
      tests: [
        traffic('fires when 0.5% of requests fail for hours', 240, 1000, 5, [
          { at: '10m', alerts: [] },
          {
            at: '3h',
            alerts: [
              {
                labels: { service: 'profile' },
                summary: 'profile is slowly burning its error budget',
                description:
                  '0.5% of profile requests failed with a 5xx over the long window (1d at 3x or 3d at 1x the 0.1% budget of the 99.9% availability SLO). The 30-day budget will run out before the month ends.',
              },
            ],
          },
        ]),
        traffic('stays silent when 0.05% of requests fail, inside the budget', 240, 2000, 1, [
          { at: '3h', alerts: [] },
        ]),
      ],
    },
  ],
};
