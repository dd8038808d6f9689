/**
 * One source, three outputs: the plain Prometheus rule file, the PrometheusRule object for
 * the Helm chart / prometheus-operator, and the promtool unit-test file.
 */
import {
  RUNBOOK_BASE_URL,
  runbookUrl,
  type AlertDef,
  type AlertGroup,
  type AlertTestCase,
  type RecordGroup,
} from './spec.js';

export interface RuleFile {
  groups: { name: string; interval?: string; rules: Record<string, unknown>[] }[];
}

function ruleOf(a: AlertDef, base: string): Record<string, unknown> {
  return {
    alert: a.alert,
    expr: a.expr,
    ...(a.for === '0s' ? {} : { for: a.for }),
    labels: { severity: a.severity },
    annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(a.alert, base) },
  };
}

export interface RenderOptions {
  /** Recording rules, written before the alerts that read them. */
  readonly records?: readonly RecordGroup[];
  readonly runbookBaseUrl?: string;
}

export function renderRuleFile(groups: readonly AlertGroup[], o: RenderOptions = {}): RuleFile {
  const base = o.runbookBaseUrl ?? RUNBOOK_BASE_URL;
  return {
    groups: [
      ...(o.records ?? []).map((g) => ({
        name: g.name,
        ...(g.interval ? { interval: g.interval } : {}),
        rules: g.records.map((r) => ({ record: r.record, expr: r.expr })),
      })),
      ...groups.map((g) => ({
        name: g.name,
        ...(g.interval ? { interval: g.interval } : {}),
        rules: g.rules.map((a) => ruleOf(a, base)),
      })),
    ],
  };
}

export function renderPrometheusRule(
  groups: readonly AlertGroup[],
  o: RenderOptions = {},
  meta: { name: string; labels: Record<string, string> } = {
    name: 'herdguard',
    labels: { 'app.kubernetes.io/name': 'herdguard', 'app.kubernetes.io/component': 'alerts' },
  },
): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: meta.name, labels: meta.labels },
    spec: renderRuleFile(groups, o),
  };
}

function testOf(a: AlertDef, t: AlertTestCase, base: string) {
  return {
    name: `${a.alert}: ${t.name}`,
    interval: t.interval,
    input_series: t.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: t.evals.map((e) => ({
      eval_time: e.at,
      alertname: a.alert,
      exp_alerts: e.alerts.map((x) => ({
        exp_labels: { severity: a.severity, ...x.labels },
        exp_annotations: {
          summary: x.summary,
          description: x.description,
          runbook_url: runbookUrl(a.alert, base),
        },
      })),
    })),
  };
}

/** A promtool test file; `ruleFiles` are relative to the test file's directory. */
export function renderPromtoolTests(
  groups: readonly AlertGroup[],
  ruleFiles: string[],
  runbookBaseUrl: string = RUNBOOK_BASE_URL,
): Record<string, unknown> {
  return {
    rule_files: ruleFiles,
    evaluation_interval: '15s',
    tests: groups.flatMap((g) => g.rules.flatMap((a) => a.tests.map((t) => testOf(a, t, runbookBaseUrl)))),
  };
}
