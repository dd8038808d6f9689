/** The operator's Prometheus instruments, from the metric-name contract. */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { metrics } from '../lib/1-ground/metric-names.js';
import { counter, gauge, histogram } from '../lib/1-ground/prom.js';

export function operatorMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'herdguard_operator_' });
  return {
    registry,
    reconcile: counter(registry, metrics.operatorReconcile),
    reconcileDuration: histogram(registry, metrics.operatorReconcileDuration),
    queueDepth: gauge(registry, metrics.operatorQueueDepth),
    leader: gauge(registry, metrics.operatorLeader),
    apiRequests: counter(registry, metrics.operatorApiRequests),
    policyGenerationDesired: gauge(registry, metrics.policyGenerationDesired),
  };
}
export type OperatorMetrics = ReturnType<typeof operatorMetrics>;
