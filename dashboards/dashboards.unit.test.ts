import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metrics } from '../lib/1-ground/metric-names.js';
import { staleFiles } from '../scripts/generated-files.js';
import { generatedDashboardFiles, JSON_DIR } from './generate.js';
import { dashboardQueries, validateDashboard } from './validate.js';

const files = readdirSync(JSON_DIR).filter((f) => f.endsWith('.json'));
const loaded = files.map(
  (f) => [f, JSON.parse(readFileSync(join(JSON_DIR, f), 'utf8')) as Record<string, unknown>] as const,
);

describe('generated Grafana dashboards', () => {
  it('the checked-in JSON is exactly what the TypeScript source produces', () => {
    expect(
      staleFiles(generatedDashboardFiles()),
      'run "npm run generate:dashboards" and commit the result',
    ).toEqual([]);
    expect(files.sort()).toEqual(
      [...generatedDashboardFiles().keys()].map((p) => p.slice(JSON_DIR.length + 1)).sort(),
    );
  });

  it('ships the overview, hot keys, feeds, redis and operator dashboards with unique uids', () => {
    const uids = loaded.map(([, d]) => d['uid']);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.sort()).toEqual([
      'herdguard-feeds',
      'herdguard-hot-keys',
      'herdguard-operator',
      'herdguard-overview',
      'herdguard-redis',
    ]);
  });

  it.each(loaded)(
    '%s matches the SDK dashboard types: read-only, datasource variable, described panels with units',
    (_f, d) => {
      expect(validateDashboard(d)).toEqual([]);
    },
  );

  it('the validator reports an editable dashboard, a panel without unit or description, and an unknown field', () => {
    const [, good] = loaded[0]!;
    const bad = structuredClone(good) as Record<string, unknown> & { panels: Record<string, unknown>[] };
    bad['editable'] = true;
    bad['colour'] = 'red';
    const panel = bad.panels.find((p) => p['type'] !== 'row')!;
    delete panel['description'];
    panel['fieldConfig'] = { defaults: {}, overrides: [] };
    const errors = validateDashboard(bad).join('\n');
    expect(errors).toContain('must be read-only (editable: false)');
    expect(errors).toContain('unknown field "colour"');
    expect(errors).toContain('needs a description');
    expect(errors).toContain('needs fieldConfig.defaults.unit');
  });

  it('every query names only metrics from the contract module', () => {
    const known = new Set(
      Object.values(metrics).flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]),
    );
    for (const [, d] of loaded) {
      for (const q of dashboardQueries(d)) {
        const names = q.expr.match(/herdguard_[a-z0-9_]+/g) ?? [];
        expect(names.length, q.source).toBeGreaterThan(0);
        for (const n of names) expect(known, `${q.source}: ${n}`).toContain(n);
      }
    }
  });
});
