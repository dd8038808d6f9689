/**
 * The shape of an alert as written in `alerts/rules/*.ts`: the rule itself, the quantity it
 * thresholds (evaluated live to prove the series exist), and its promtool unit tests.
 */
/**
 * Where the runbooks are served is the deployer's to say (their Git host, a wiki, a mirror of
 * runbooks/): the chart requires `monitoring.runbookBaseUrl` and puts it in place of this
 * reserved placeholder (RFC 2606 `.invalid`); `npm run generate:alerts -- --runbook-base-url=…`
 * writes plain rule files with another base. A made-up default would page people to a 404.
 */
export const RUNBOOK_BASE_URL = 'https://runbooks.herdguard.invalid/';

export type Severity = 'critical' | 'warning' | 'info';

export interface SeriesInput {
  /** Series in promtool notation, e.g. `herdguard_redis_keys{redis="cache"}`. */
  readonly series: string;
  /** Expanding notation, e.g. `0+10x20` or `1x30`. */
  readonly values: string;
}

export interface ExpectedAlert {
  /** Labels besides alertname and severity (those two are added by the renderer). */
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: string;
  readonly description: string;
}

export interface AlertTestCase {
  /** A sentence saying what this case shows. */
  readonly name: string;
  readonly interval: string;
  readonly series: readonly SeriesInput[];
  /** Evaluation times: `alerts: []` asserts silence, a list asserts exactly those firing alerts. */
  readonly evals: readonly { readonly at: string; readonly alerts: readonly ExpectedAlert[] }[];
}

export interface AlertDef {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: Severity;
  readonly summary: string;
  readonly description: string;
  /** The quantity the expression thresholds; the live check requires it to return data. */
  readonly signal: string;
  /** When live data for the signal can only exist in some scenarios (failover, feeds, a Redis Cluster), say which. */
  readonly liveNeeds?: 'feeds' | 'failover' | 'operator' | 'cluster';
  readonly tests: readonly AlertTestCase[];
}

export interface AlertGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly AlertDef[];
}

/** A recording rule: `record` names the series in the mixin style, `expr` computes it. */
export interface RecordDef {
  readonly record: string;
  readonly expr: string;
}

export interface RecordGroup {
  readonly name: string;
  readonly interval?: string;
  readonly records: readonly RecordDef[];
}

export function runbookUrl(alert: string, base: string = RUNBOOK_BASE_URL): string {
  return `${base}${alert}.md`;
}
