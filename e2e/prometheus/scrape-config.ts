/**
 * The live Prometheus's configuration file, kept pure so a unit test can
 * read exactly what Prometheus is given. Two sources: fixed `host:port` targets (processes on
 * this host), or a release's pods discovered through the Kubernetes API, as a Prometheus in
 * the cluster would find them.
 */
import { stringify } from 'yaml';

export interface ScrapeTarget {
  /** Becomes the `job` label, e.g. `profile`, `operator`. */
  readonly job: string;
  /** `host:port` serving /metrics. */
  readonly address: string;
  readonly metricsPath?: string;
}

export interface KubernetesDiscovery {
  /** Read by Prometheus itself (kubernetes_sd_configs.kubeconfig_file). */
  readonly kubeconfigPath: string;
  readonly namespace: string;
  /** Pod labels a scraped pod must carry, e.g. {'app.kubernetes.io/instance': 'herdguard'}. */
  readonly podLabels: Readonly<Record<string, string>>;
  /** Names of the container ports serving /metrics, e.g. ['http', 'metrics']. */
  readonly portNames: readonly string[];
  /** How many pods-and-ports the release runs: waitForTargets waits for exactly these. */
  readonly expectedTargets: number;
}

export type ScrapeSource = { readonly targets: readonly ScrapeTarget[] } | { readonly kubernetes: KubernetesDiscovery };

/** The pod label whose value becomes `job` (operator, profile, market-data, feed-simulator). */
export const JOB_LABEL = 'app.kubernetes.io/component';
/** The discovered pod's name as a target label. Not `pod`: herdguard_redis_role has its own `pod` (the Redis pod), which a target label would rename to exported_pod. */
export const POD_NAME_LABEL = 'kubernetes_pod_name';

/** Prometheus's meta label for a pod label: every character outside [a-zA-Z0-9_] becomes `_`. */
export const podLabelMeta = (label: string): string => `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, '_')}`;

const regexQuote = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function validateSource(s: ScrapeSource): void {
  if ('targets' in s) {
    if (s.targets.length === 0) throw new Error('startPrometheus: expected at least one scrape target, got none');
    return;
  }
  const k = s.kubernetes;
  if (!k.kubeconfigPath) throw new Error('startPrometheus: expected kubernetes.kubeconfigPath, got an empty path');
  if (!k.namespace) throw new Error('startPrometheus: expected kubernetes.namespace, got an empty name');
  if (Object.keys(k.podLabels).length === 0) throw new Error('startPrometheus: expected at least one kubernetes.podLabels entry (the release), got none: every pod of the namespace would be scraped');
  if (k.portNames.length === 0) throw new Error('startPrometheus: expected at least one kubernetes.portNames entry, got none');
  if (!Number.isInteger(k.expectedTargets) || k.expectedTargets < 1) {
    throw new Error(`startPrometheus: expected kubernetes.expectedTargets to be a positive integer, got ${k.expectedTargets}`);
  }
}

/** How many active targets waitForTargets waits for. */
export const expectedTargets = (s: ScrapeSource): number => ('targets' in s ? s.targets.length : s.kubernetes.expectedTargets);

function staticJobs(targets: readonly ScrapeTarget[]): Record<string, unknown>[] {
  const jobs = new Map<string, ScrapeTarget[]>();
  for (const t of targets) jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  return [...jobs].map(([job, ts]) => ({
    job_name: job,
    metrics_path: ts[0]?.metricsPath ?? '/metrics',
    static_configs: [{ targets: ts.map((t) => t.address) }],
  }));
}

/**
 * One job over the pod role: a target per declared container port, whose default address is
 * already podIP:containerPort (IPv6 bracketed), so __address__ is left as discovered.
 */
function kubernetesJob(k: KubernetesDiscovery): Record<string, unknown> {
  const keepLabels = Object.entries(k.podLabels).map(([label, value]) => ({
    source_labels: [podLabelMeta(label)],
    regex: regexQuote(value),
    action: 'keep',
  }));
  return {
    job_name: 'kubernetes-pods',
    metrics_path: '/metrics',
    kubernetes_sd_configs: [{ role: 'pod', kubeconfig_file: k.kubeconfigPath, namespaces: { names: [k.namespace] } }],
    relabel_configs: [
      ...keepLabels,
      { source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: k.portNames.map(regexQuote).join('|'), action: 'keep' },
      // Finished pods (a seed Job, helm test hooks) are still listed by the API.
      { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Running', action: 'keep' },
      { source_labels: [podLabelMeta(JOB_LABEL)], target_label: 'job' },
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: POD_NAME_LABEL },
    ],
  };
}

export function scrapeConfigs(s: ScrapeSource): Record<string, unknown>[] {
  return 'targets' in s ? staticJobs(s.targets) : [kubernetesJob(s.kubernetes)];
}

/** prometheus.yml: every scrape and every rule evaluation at `interval` (the live runs use 1s). */
export function prometheusConfig(s: ScrapeSource, ruleFiles: readonly string[], interval: string): string {
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...ruleFiles],
    scrape_configs: scrapeConfigs(s),
  });
}
