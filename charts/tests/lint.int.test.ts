/** `helm lint --strict` on the chart, for the value combinations the template tests cover. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { chartDir, helm, TEST_CREDENTIALS } from './helm.js';

// The chart never generates passwords (docs/adr/0009): each combination gets them.
const credentials = Object.entries(TEST_CREDENTIALS).flatMap(([k, v]) => ['--set-json', `${k}=${JSON.stringify(v)}`]);

const combos: Record<string, string[]> = {
  defaults: [],
  'monitoring on': [
    '--set', 'monitoring.serviceMonitors.enabled=true', '--set', 'monitoring.prometheusRules.enabled=true',
    '--set', 'monitoring.runbookBaseUrl=https://git.example.com/platform/herdguard/-/blob/main/runbooks/',
    '--set', 'monitoring.dashboards.enabled=true', '--set', 'monitoring.labels.release=kps',
  ],
  'examples off': ['--set', 'examples.enabled=false'],
  'external database': ['--set', 'postgresql.enabled=false', '--set', 'externalDatabase.url=postgres://u:p@db:5432/profile'],
  'network policies off': ['--set', 'networkPolicies.enabled=false'],
  'existing Secrets': ['--set', 'redis.auth.existingSecret=my-redis', '--set', 'postgresql.auth.existingSecret=my-pg'],
};

describe('helm lint', () => {
  for (const [name, args] of Object.entries(combos)) {
    it(`passes --strict with ${name}`, () => {
      const r = spawnSync(helm(), ['lint', '--strict', chartDir, ...(name === 'existing Secrets' ? [] : credentials), ...args], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toContain('0 chart(s) failed');
      expect(r.status, r.stdout + r.stderr).toBe(0);
    });
  }
});
