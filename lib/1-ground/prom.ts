/**
 * prom-client instruments built from the metric-name contract, so no service spells a
 * metric name or its label set by hand.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { MetricDef } from './metric-names.js';

const DEFAULT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function counter<L extends string>(registry: Registry, d: MetricDef<L>): Counter<L> {
  return (
    existing<Counter<L>>(registry, d.name) ??
    new Counter<L>({ name: d.name, help: d.help, labelNames: d.labels, registers: [registry] })
  );
}

export function gauge<L extends string>(registry: Registry, d: MetricDef<L>): Gauge<L> {
  return (
    existing<Gauge<L>>(registry, d.name) ??
    new Gauge<L>({ name: d.name, help: d.help, labelNames: d.labels, registers: [registry] })
  );
}

export function histogram<L extends string>(
  registry: Registry,
  d: MetricDef<L>,
  buckets: number[] = DEFAULT_BUCKETS,
): Histogram<L> {
  return (
    existing<Histogram<L>>(registry, d.name) ??
    new Histogram<L>({ name: d.name, help: d.help, labelNames: d.labels, buckets, registers: [registry] })
  );
}
