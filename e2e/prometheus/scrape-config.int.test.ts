import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { promtool } from '../../promql/promtool.js';
import { prometheusConfig, type ScrapeSource } from './scrape-config.js';

const scratch = mkdtempSync(join(tmpdir(), 'herdguard-scrape-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A kubeconfig promtool can load: it checks the file exists and parses, not that the server answers. */
function kubeconfig(): string {
  const file = join(scratch, 'kubeconfig');
  writeFileSync(file, [
    'apiVersion: v1', 'kind: Config', 'current-context: c',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]',
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: c, context: {cluster: c, user: u}}]', '',
  ].join('\n'));
  return file;
}

const check = (name: string, source: ScrapeSource) => {
  const file = join(scratch, `${name}.yml`);
  writeFileSync(file, prometheusConfig(source, [], '1s'));
  return promtool(['check', 'config', file]);
};

describe("the live Prometheus configuration checked by Debian's promtool", () => {
  it('accepts static targets', () => {
    const r = check('static', { targets: [{ job: 'profile', address: '127.0.0.1:8080' }] });
    expect(r.ok, r.output).toBe(true);
  });

  // Why pod discovery runs on an upstream build (prometheus-upstream.ts): if Debian's build ever accepts it, that build can go.
  it("Debian's promtool does not know Kubernetes pod discovery", () => {
    const r = check('kubernetes', {
      kubernetes: { kubeconfigPath: kubeconfig(), namespace: 'herdguard-redis', podLabels: { 'app.kubernetes.io/instance': 'herdguard' }, portNames: ['http', 'metrics'], expectedTargets: 5 },
    });
    expect(r.ok).toBe(false);
    expect(r.output).toContain('field kubernetes_sd_configs not found');
  });
});
