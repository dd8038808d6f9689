import { recorded } from '../recording.js';
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { sel } from '../../promql/promql.js';
import { reconcileErrorRatio } from '../../promql/queries.js';
import type { AlertGroup } from '../spec.js';
import { series } from './series.js';

export const RECONCILE_ERROR_RATIO = 0.1;

const generationLag = `${sel(m.policyGenerationApplied)} < on (policy) group_left () max by (policy) (${sel(m.policyGenerationDesired)})`;
const leaders = `(sum(${sel(m.operatorLeader)}) or vector(0))`;
const reconcile = (result: string, values: string) =>
  series(m.operatorReconcile, { controller: 'cachepolicy', result }, values);

export const operatorAlerts: AlertGroup = {
  name: 'herdguard.operator',
  rules: [
    {
      alert: 'PolicyNotApplied',
      expr: generationLag,
      for: '2m',
      severity: 'warning',
      summary: 'CachePolicy {{ $labels.policy }} is not applied on {{ $labels.instance }}',
      description:
        '{{ $labels.instance }} ({{ $labels.service }}) still runs generation {{ $value }} of CachePolicy {{ $labels.policy }} after 2 minutes; the operator wants a newer one. Policy delivery is broken or the pod refuses the new policy.',
      signal: `max by (policy) (${sel(m.policyGenerationDesired)}) - on (policy) group_right () ${sel(m.policyGenerationApplied)}`,
      liveNeeds: 'operator',
      tests: [
        {
          name: 'fires when one pod stays on generation 3 while generation 4 is desired',
          interval: '15s',
          series: [
            series(m.policyGenerationDesired, { policy: 'shop/profile' }, '3x4 4x20'),
            series(
              m.policyGenerationApplied,
              { service: 'profile', policy: 'shop/profile', instance: 'profile-a' },
              '3x4 4x20',
            ),
            series(
              m.policyGenerationApplied,
              { service: 'profile', policy: 'shop/profile', instance: 'profile-b' },
              '3x24',
            ),
          ],
          evals: [
            { at: '2m', alerts: [] },
            {
              at: '4m',
              alerts: [
                {
                  labels: { service: 'profile', policy: 'shop/profile', instance: 'profile-b' },
                  summary: 'CachePolicy shop/profile is not applied on profile-b',
                  description:
                    'profile-b (profile) still runs generation 3 of CachePolicy shop/profile after 2 minutes; the operator wants a newer one. Policy delivery is broken or the pod refuses the new policy.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when every pod applies the new generation within seconds',
          interval: '15s',
          series: [
            series(m.policyGenerationDesired, { policy: 'shop/profile' }, '3x4 4x20'),
            series(
              m.policyGenerationApplied,
              { service: 'profile', policy: 'shop/profile', instance: 'profile-a' },
              '3x5 4x19',
            ),
          ],
          evals: [{ at: '4m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'OperatorDown',
      expr: `${leaders} < 1`,
      for: '2m',
      severity: 'critical',
      summary: 'No herdguard operator is leading',
      description:
        'For 2 minutes, {{ $value }} herdguard operator replicas held the leader lease (or none was scraped at all). CachePolicy changes are not delivered and Redis failover is not automatic.',
      signal: leaders,
      liveNeeds: 'operator',
      tests: [
        {
          name: 'fires when the only operator replica disappears',
          interval: '15s',
          series: [series(m.operatorLeader, { instance: 'operator-0' }, '1x8 stale')],
          evals: [
            { at: '3m', alerts: [] },
            {
              at: '5m',
              alerts: [
                {
                  labels: {},
                  summary: 'No herdguard operator is leading',
                  description:
                    'For 2 minutes, 0 herdguard operator replicas held the leader lease (or none was scraped at all). CachePolicy changes are not delivered and Redis failover is not automatic.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent while leadership moves to the standby replica',
          interval: '15s',
          series: [
            series(m.operatorLeader, { instance: 'operator-0' }, '1x8 0x20'),
            series(m.operatorLeader, { instance: 'operator-1' }, '0x9 1x19'),
          ],
          evals: [{ at: '5m', alerts: [] }],
        },
      ],
    },
    {
      alert: 'OperatorReconcileErrors',
      expr: `${recorded.reconcileErrorRatio} > ${RECONCILE_ERROR_RATIO}`,
      for: '10m',
      severity: 'warning',
      summary: 'Operator controller {{ $labels.controller }} keeps failing',
      description:
        '{{ $value | humanizePercentage }} of {{ $labels.controller }} reconciles failed over 5 minutes, for 10 minutes (threshold 10%). Policies and Redis state may not match what was asked.',
      signal: reconcileErrorRatio('5m'),
      liveNeeds: 'operator',
      tests: [
        {
          name: 'fires when a quarter of reconciles fail for more than 10 minutes',
          interval: '1m',
          series: [reconcile('success', '0+30x30'), reconcile('error', '0+10x30')],
          evals: [
            { at: '5m', alerts: [] },
            {
              at: '20m',
              alerts: [
                {
                  labels: { controller: 'cachepolicy' },
                  summary: 'Operator controller cachepolicy keeps failing',
                  description:
                    '25% of cachepolicy reconciles failed over 5 minutes, for 10 minutes (threshold 10%). Policies and Redis state may not match what was asked.',
                },
              ],
            },
          ],
        },
        {
          name: 'stays silent when no reconcile has ever failed',
          interval: '1m',
          series: [reconcile('success', '0+30x30')],
          evals: [{ at: '20m', alerts: [] }],
        },
      ],
    },
  ],
};
