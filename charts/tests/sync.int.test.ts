/** The chart embeds copies of generated files (Helm reads only inside the chart): they must be current. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan, stale, sync } from '../tools/sync.js';

describe('chart copies of generated files', () => {
  it('are identical to their sources: the CRD, the alert rules and every dashboard', () => {
    expect(stale(), 'run: npx tsx charts/tools/sync.ts').toEqual([]);
    const copies = plan().files.map((f) => f.copy);
    expect(copies.some((c) => c.endsWith('charts/herdguard/crds/herdguard.io_cachepolicies.yaml'))).toBe(true);
    expect(copies.some((c) => c.endsWith('charts/herdguard/files/alerts/rules.yaml'))).toBe(true);
  });

  it('are reported stale when a source changes, and current again after a sync', () => {
    const root = mkdtempSync(join(tmpdir(), 'herdguard-sync-'));
    for (const d of ['crds', 'alerts/generated', 'dashboards/json', 'charts/herdguard/files/dashboards']) {
      mkdirSync(join(root, d), { recursive: true });
    }
    writeFileSync(join(root, 'crds/herdguard.io_cachepolicies.yaml'), 'kind: CustomResourceDefinition\n');
    writeFileSync(join(root, 'alerts/generated/rules.yaml'), 'groups: []\n');
    writeFileSync(join(root, 'dashboards/json/cache.json'), '{}');
    writeFileSync(join(root, 'charts/herdguard/files/dashboards/removed.json'), '{}');
    expect(stale(root).sort()).toEqual([
      'charts/herdguard/crds/herdguard.io_cachepolicies.yaml',
      'charts/herdguard/files/alerts/rules.yaml',
      'charts/herdguard/files/dashboards/cache.json',
      'charts/herdguard/files/dashboards/removed.json',
    ]);
    sync(root);
    expect(stale(root)).toEqual([]);
    writeFileSync(join(root, 'dashboards/json/cache.json'), '{"title":"changed"}');
    expect(stale(root)).toEqual(['charts/herdguard/files/dashboards/cache.json']);
  });
});
