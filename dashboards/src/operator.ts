/** Operator: reconcile health, work queue, leadership and CachePolicy delivery. */
import { metrics as m } from '../../lib/1-ground/metric-names.js';
import { histogramQuantile, rate, sel, sumBy } from '../../promql/promql.js';
import { W, type DashboardSpec } from './kit.js';

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
