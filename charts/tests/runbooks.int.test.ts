/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return --
   rendered Kubernetes objects are untyped YAML; the assertions below are their type check. */
/** The PrometheusRule links every alert to the deployment's runbooks, and carries the recording rules its alerts read. */
import { describe, expect, it } from 'vitest';
import { allAlerts } from '../../alerts/index.js';
import { allRecords } from '../../alerts/recording.js';
import { MONITORING_APIS, ofKind, render, renderError } from './helm.js';

const BASE = 'https://wiki.example.com/herdguard/runbooks/';
const rulesOn = { 'monitoring.prometheusRules.enabled': true };

describe('the PrometheusRule of the chart', () => {
  it('is refused without monitoring.runbookBaseUrl, with a message naming the value and an example', () => {
    const err = renderError({ set: rulesOn, apiVersions: MONITORING_APIS });
    expect(err).toContain('monitoring.runbookBaseUrl is required with monitoring.prometheusRules.enabled');
    expect(err).toMatch(/e\.g\. --set monitoring\.runbookBaseUrl=https:\/\//);
  });

  it('refuses a base that is not an http(s) URL ending in a slash (the schema)', () => {
    expect(renderError({ set: { ...rulesOn, 'monitoring.runbookBaseUrl': 'wiki/runbooks' }, apiVersions: MONITORING_APIS })).toContain(
      'runbookBaseUrl',
    );
  });

  it('links every alert to base + <AlertName>.md, and holds every recording rule before the alerts', () => {
    const [rule] = ofKind(render({ set: { ...rulesOn, 'monitoring.runbookBaseUrl': BASE }, apiVersions: MONITORING_APIS }), 'PrometheusRule');
    const rules = (rule as any).spec.groups.flatMap((g: any) => g.rules as any[]);
    const alerts = rules.filter((r: any) => r.alert);
    expect(alerts.map((a: any) => a.alert).sort()).toEqual(allAlerts().map((a) => a.alert).sort());
    for (const a of alerts) expect(a.annotations.runbook_url).toBe(`${BASE}${a.alert}.md`);
    expect(rules.filter((r: any) => r.record).map((r: any) => r.record)).toEqual(allRecords().map((r) => r.record));
    expect(rules.findIndex((r: any) => r.alert)).toBe(allRecords().length);
  });
});
