import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectedTargets, podLabelMeta, prometheusConfig, scrapeConfigs, validateSource, type KubernetesDiscovery } from './scrape-config.js';

const discovery: KubernetesDiscovery = {
  kubeconfigPath: '/tmp/admin.conf',
  namespace: 'herdguard-redis',
  podLabels: { 'app.kubernetes.io/instance': 'herdguard' },
  portNames: ['http', 'metrics'],
  expectedTargets: 5,
};

type Relabel = { source_labels?: string[]; regex?: string; action?: string; target_label?: string };
const relabels = (k: KubernetesDiscovery) => (scrapeConfigs({ kubernetes: k })[0] as { relabel_configs: Relabel[] }).relabel_configs;

/** Prometheus anchors relabel regexes: the whole joined value must match. */
const keeps = (r: Relabel, value: string) => new RegExp(`^(?:${r.regex ?? '(.*)'})$`).test(value);

describe('the live Prometheus scrape configuration', () => {
  it('static targets become one job per target job, as before', () => {
    const jobs = scrapeConfigs({ targets: [{ job: 'profile', address: '127.0.0.1:1' }, { job: 'profile', address: '127.0.0.1:2' }, { job: 'operator', address: '127.0.0.1:3' }] });
    expect(jobs).toEqual([
      { job_name: 'profile', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:1', '127.0.0.1:2'] }] },
      { job_name: 'operator', metrics_path: '/metrics', static_configs: [{ targets: ['127.0.0.1:3'] }] },
    ]);
  });

  it('discovery lists the pods of one namespace through the given kubeconfig', () => {
    const [job] = scrapeConfigs({ kubernetes: discovery }) as { kubernetes_sd_configs: unknown[] }[];
    expect(job?.kubernetes_sd_configs).toEqual([{ role: 'pod', kubeconfig_file: '/tmp/admin.conf', namespaces: { names: ['herdguard-redis'] } }]);
  });

  it('discovery keeps only the release pods, by their sanitised label meta name', () => {
    const r = relabels(discovery).find((x) => x.source_labels?.[0] === podLabelMeta('app.kubernetes.io/instance'));
    expect(r?.source_labels).toEqual(['__meta_kubernetes_pod_label_app_kubernetes_io_instance']);
    expect(r?.action).toBe('keep');
    expect(keeps(r!, 'herdguard')).toBe(true);
    expect(keeps(r!, 'herdguard-other')).toBe(false);
  });

  it('discovery keeps the http and metrics ports and drops redis and postgresql ports', () => {
    const r = relabels(discovery).find((x) => x.source_labels?.[0] === '__meta_kubernetes_pod_container_port_name')!;
    expect(['http', 'metrics'].map((p) => keeps(r, p))).toEqual([true, true]);
    expect(['redis', 'postgresql', 'http-alt', ''].map((p) => keeps(r, p))).toEqual([false, false, false, false]);
  });

  it('discovery drops finished pods such as seed Jobs and helm test hooks', () => {
    const r = relabels(discovery).find((x) => x.source_labels?.[0] === '__meta_kubernetes_pod_phase')!;
    expect([keeps(r, 'Running'), keeps(r, 'Succeeded'), keeps(r, 'Pending')]).toEqual([true, false, false]);
  });

  it('discovery sets job from the component label and never a `pod` target label, which would rename the operator metrics own pod label', () => {
    const targets = relabels(discovery).filter((x) => x.target_label).map((x) => [x.target_label, x.source_labels?.[0]]);
    expect(targets).toContainEqual(['job', '__meta_kubernetes_pod_label_app_kubernetes_io_component']);
    expect(targets.map(([t]) => t)).not.toContain('pod');
    expect(targets.map(([t]) => t)).not.toContain('service');
  });

  it('waitForTargets counts the static list, or the expected discovered targets', () => {
    expect(expectedTargets({ targets: [{ job: 'a', address: 'h:1' }] })).toBe(1);
    expect(expectedTargets({ kubernetes: discovery })).toBe(5);
  });

  it('refuses a discovery that would scrape the whole namespace or wait for nothing', () => {
    expect(() => validateSource({ kubernetes: { ...discovery, podLabels: {} } })).toThrow(/podLabels/);
    expect(() => validateSource({ kubernetes: { ...discovery, expectedTargets: 0 } })).toThrow('expected kubernetes.expectedTargets to be a positive integer, got 0');
    expect(() => validateSource({ targets: [] })).toThrow(/at least one scrape target/);
  });

  it('the file evaluates and scrapes at the same interval', () => {
    const doc = parse(prometheusConfig({ kubernetes: discovery }, ['/r.yaml'], '1s')) as { global: Record<string, string>; rule_files: string[] };
    expect(doc.global).toEqual({ scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' });
    expect(doc.rule_files).toEqual(['/r.yaml']);
  });
});
