/**
 * One source, three outputs: the plain Prometheus rule file, the PrometheusRule object for
 * the Helm chart / prometheus-operator, and the promtool unit-test file.
 */
import { runbookUrl, type AlertDef, type AlertGroup, type AlertTestCase } from './spec.js';

export interface RuleFile {
  groups: { name: string; interval?: string; rules: Record<string, unknown>[] }[];
}

function ruleOf(a: AlertDef): Record<string, unknown> {
  return {
    alert: a.alert,
    expr: a.expr,
    ...(a.for === '0s' ? {} : { for: a.for }),
    labels: { severity: a.severity },
    annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(a.alert) },
  };
}

export function renderRuleFile(groups: readonly AlertGroup[]): RuleFile {
  return {
    groups: groups.map((g) => ({
      name: g.name,
      ...(g.interval ? { interval: g.interval } : {}),
      rules: g.rules.map(ruleOf),
    })),
  };
}

export function renderPrometheusRule(
  groups: readonly AlertGroup[],
  meta: { name: string; labels: Record<string, string> } = {
    name: 'herdguard',
    labels: { 'app.kubernetes.io/name': 'herdguard', 'app.kubernetes.io/component': 'alerts' },
  },
): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: meta.name, labels: meta.labels },
    spec: renderRuleFile(groups),
  };
}

function testOf(a: AlertDef, t: AlertTestCase) {
  return {
    name: `${a.alert}: ${t.name}`,
    interval: t.interval,
    input_series: t.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: t.evals.map((e) => ({
      eval_time: e.at,
      alertname: a.alert,
      exp_alerts: e.alerts.map((x) => ({
        exp_labels: { severity: a.severity, ...x.labels },
        exp_annotations: { summary: x.summary, description: x.description, runbook_url: runbookUrl(a.alert) },
      })),
    })),
  };
}

/** A promtool test file; `ruleFiles` are relative to the test file's directory. */
export function renderPromtoolTests(
  groups: readonly AlertGroup[],
  ruleFiles: string[],
): Record<string, unknown> {
  return {
    rule_files: ruleFiles,
    evaluation_interval: '15s',
    tests: groups.flatMap((g) => g.rules.flatMap((a) => a.tests.map((t) => testOf(a, t)))),
  };
}
