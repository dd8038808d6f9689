import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { staleFiles } from '../scripts/generated-files.js';
import { generatedAlertFiles, PROMETHEUS_RULE_FILE, RULES_FILE, TESTS_FILE } from './generate.js';
import { allAlerts } from './index.js';
import { allRecords } from './recording.js';
import { parseErrors, promtool, requirePromtool } from '../promql/promtool.js';

const scratch = mkdtempSync(join(tmpdir(), 'herdguard-alerts-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('alert rules checked by the real promtool', () => {
  it('finds promtool, or fails saying how to install it', () => {
    expect(() => requirePromtool()).not.toThrow();
  });

  it('the checked-in generated files are exactly what the TypeScript source produces', () => {
    expect(staleFiles(generatedAlertFiles()), 'run "npm run generate:alerts" and commit the result').toEqual(
      [],
    );
  });

  it('promtool check rules accepts the plain rule file with every alert in it', () => {
    const r = promtool(['check', 'rules', RULES_FILE]);
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain(`SUCCESS: ${allAlerts().length + allRecords().length} rules found`);
  });

  it('promtool check rules accepts the groups inside the PrometheusRule object', () => {
    const obj = parse(readFileSync(PROMETHEUS_RULE_FILE, 'utf8')) as {
      apiVersion: string;
      kind: string;
      spec: unknown;
    };
    expect(obj.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(obj.kind).toBe('PrometheusRule');
    const file = join(scratch, 'from-prometheusrule.yaml');
    writeFileSync(file, stringify(obj.spec));
    const r = promtool(['check', 'rules', file]);
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain(`SUCCESS: ${allAlerts().length + allRecords().length} rules found`);
  });

  it('every alert passes its promtool unit tests (fires, stays silent, exact annotations)', () => {
    const r = promtool(['test', 'rules', TESTS_FILE], dirname(TESTS_FILE));
    expect(r.ok, r.output).toBe(true);
    expect(r.output).toContain('SUCCESS');
  });

  it('a wrong expected annotation makes promtool test rules fail (the tests can fail)', () => {
    const tests = readFileSync(TESTS_FILE, 'utf8').replace('Only 30% of lookups', 'Only 31% of lookups');
    const file = join(scratch, 'broken.test.yaml');
    writeFileSync(file, tests.replace('../generated/rules.yaml', RULES_FILE));
    const r = promtool(['test', 'rules', file]);
    expect(r.ok).toBe(false);
    expect(r.output).toContain('CacheHitRateLow');
  });

  it('every alert expression and every alert signal parses with the Prometheus parser', () => {
    const queries = allAlerts().flatMap((a) => [
      { source: `alert ${a.alert} expr`, expr: a.expr },
      { source: `alert ${a.alert} signal`, expr: a.signal },
    ]);
    expect(parseErrors(queries)).toEqual([]);
  });

  it('the parser check reports a broken expression with where it came from', () => {
    const errors = parseErrors([{ source: 'alert Broken expr', expr: 'sum by (service (rate(x[1m]))' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('alert Broken expr');
  });
});
