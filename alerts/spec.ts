/**
 * The shape of an alert as written in `alerts/rules/*.ts`: the rule itself, the quantity it
 * thresholds (evaluated live to prove the series exist), and its promtool unit tests.
 */
export const RUNBOOK_BASE_URL = 'https://github.com/herdguard/herdguard/blob/main/runbooks/';

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
  /** When live data for the signal can only exist in some scenarios (failover, feeds), say which. */
  readonly liveNeeds?: 'feeds' | 'failover' | 'operator';
  readonly tests: readonly AlertTestCase[];
}

export interface AlertGroup {
  readonly name: string;
  readonly interval?: string;
  readonly rules: readonly AlertDef[];
}

export function runbookUrl(alert: string): string {
  return `${RUNBOOK_BASE_URL}${alert}.md`;
}
