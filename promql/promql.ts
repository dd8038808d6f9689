/**
 * A few PromQL builders over the metric-name contract. They exist so no rule or panel
 * spells a metric name by hand, and so a matcher on a label the metric does not carry
 * fails at generation time instead of silently matching nothing.
 */
import type { MetricDef } from '../lib/1-ground/metric-names.js';

export type Matchers = Readonly<Record<string, string | readonly string[]>>;
type Suffix = '' | '_bucket' | '_sum' | '_count';
/** Labels Prometheus adds to every scraped series (and `le` on histogram buckets). */
const ADDED_LABELS = ['instance', 'job', 'le'];

function matcher(def: MetricDef, label: string, value: string | readonly string[]): string {
  if (!ADDED_LABELS.includes(label) && !def.labels.includes(label)) {
    throw new Error(`metric ${def.name} has no label "${label}": expected one of [${def.labels.join(', ')}]`);
  }
  if (typeof value === 'string') return `${label}="${value}"`;
  if (value.length === 0) throw new Error(`matcher ${def.name}{${label}} needs at least one value, got []`);
  return `${label}=~"${value.join('|')}"`;
}

/** `name{a="x",b=~"y|z"}`; the suffix is only accepted on histograms. */
export function sel(def: MetricDef, matchers: Matchers = {}, suffix: Suffix = ''): string {
  if (suffix !== '' && def.type !== 'histogram') {
    throw new Error(`suffix ${suffix} only applies to histograms, and ${def.name} is a ${def.type}`);
  }
  const parts = Object.entries(matchers).map(([label, value]) => matcher(def, label, value));
  return `${def.name}${suffix}${parts.length > 0 ? `{${parts.join(',')}}` : ''}`;
}

export function rate(selector: string, window: string): string {
  return `rate(${selector}[${window}])`;
}

export function sumBy(labels: readonly string[], inner: string): string {
  return labels.length === 0 ? `sum(${inner})` : `sum by (${labels.join(', ')}) (${inner})`;
}

/**
 * The per-second rate of the `bad` series, summed by `by`, reported as 0 (not absent) while
 * the metric exists but no bad series has been created yet: prom-client creates a labelled
 * child only on its first increment, and an absent numerator would hide the ratio entirely.
 */
export function rateOrZero(
  def: MetricDef,
  bad: Matchers,
  by: readonly string[],
  window: string,
  all: Matchers = {},
): string {
  return sumBy(by, `${rate(sel(def, bad), window)} or ${rate(sel(def, all), window)} * 0`);
}

export function histogramQuantile(q: number, def: MetricDef, by: readonly string[], window: string): string {
  return `histogram_quantile(${q}, ${sumBy([...by, 'le'], rate(sel(def, {}, '_bucket'), window))})`;
}
