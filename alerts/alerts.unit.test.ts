import { describe, expect, it } from 'vitest';
import { metrics } from '../lib/1-ground/metric-names.js';
import { allAlerts } from './index.js';
import { sel } from '../promql/promql.js';
import { RUNBOOK_BASE_URL } from './spec.js';
import { renderRuleFile } from './render.js';
import { alertGroups } from './index.js';

describe('alert definitions', () => {
  const alerts = allAlerts();

  it('every alert name is unique and in PascalCase', () => {
    const names = alerts.map((a) => a.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[A-Z][A-Za-z0-9]+$/);
  });

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s carries severity, summary, a templated description and its own runbook',
    (name, a) => {
      expect(['critical', 'warning', 'info']).toContain(a.severity);
      expect(a.summary.length).toBeGreaterThan(10);
      expect(a.description).toMatch(/\{\{ \$(labels\.\w+|value)/);
      const rule = renderRuleFile(alertGroups)
        .groups.flatMap((g) => g.rules)
        .find((r) => r['alert'] === name)!;
      expect(rule['annotations']).toMatchObject({ runbook_url: `${RUNBOOK_BASE_URL}${name}.md` });
    },
  );

  it.each(alerts.map((a) => [a.alert, a] as const))(
    '%s has a test where it fires with exact annotations and one where it stays silent',
    (_n, a) => {
      const evals = a.tests.flatMap((t) => t.evals);
      expect(
        evals.some((e) => e.alerts.length > 0 && e.alerts.every((x) => x.summary && x.description)),
      ).toBe(true);
      expect(evals.some((e) => e.alerts.length === 0)).toBe(true);
    },
  );

  it('every expression uses only metric names from the contract module', () => {
    const known = new Set(
      Object.values(metrics).flatMap((d) => [d.name, `${d.name}_bucket`, `${d.name}_sum`, `${d.name}_count`]),
    );
    for (const a of alerts) {
      for (const name of `${a.expr} ${a.signal}`.match(/herdguard_[a-z0-9_]+/g) ?? [])
        expect(known, `${a.alert}: ${name}`).toContain(name);
    }
  });

  it('a matcher on a label the metric does not carry is refused with the labels it has', () => {
    expect(() => sel(metrics.redisKeys, { service: 'x' })).toThrow(
      'metric herdguard_redis_keys has no label "service": expected one of [redis]',
    );
  });
});
