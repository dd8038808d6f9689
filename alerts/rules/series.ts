/** Input series for promtool tests, named through the contract like the rules themselves. */
import type { MetricDef } from '../../lib/1-ground/metric-names.js';
import { sel } from '../../promql/promql.js';
import type { SeriesInput } from '../spec.js';

export function series(
  def: MetricDef,
  labels: Readonly<Record<string, string>>,
  values: string,
  suffix: '' | '_bucket' = '',
): SeriesInput {
  return { series: sel(def, labels, suffix), values };
}

/** A threshold printed the way PromQL reads it (0.0144, not 0.014400000000000001). */
export function num(n: number): string {
  return String(Number(n.toPrecision(6)));
}
