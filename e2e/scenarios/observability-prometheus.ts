/**
 * observability-live's Prometheus and the events only some series need. Prometheus finds the
 * release's pods itself, through the Kubernetes API (pod role, the provider's kubeconfig), as
 * a Prometheus in the cluster would; the scenario only checks that it found exactly the pods
 * the provider knows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { startPrometheus, type ActiveTarget, type LivePrometheus } from '../prometheus/prometheus.js';
import { POD_NAME_LABEL } from '../prometheus/scrape-config.js';
import { sampleValue } from '../../lib/1-ground/exposition.js';
import { LoadClient } from '../../example-app/market-data/load-client.js';
import { POLICY_KEY, renderedConfigMapName } from '../../lib/3-policy/names.js';
import { waitFor } from '../../testkit/process.js';
import type { Provider } from '../providers/provider.js';

/** Container port names of the release's /metrics: the services' `http`, the operator's `metrics`. */
const METRICS_PORTS = ['http', 'metrics'];
const SYMBOLS = ['SPY', 'AAPL', 'MSFT', 'NVDA', 'AMZN'];

/** Processes serving /metrics; Redis (and PostgreSQL, which is no process here) do not. */
const scraped = (p: Provider) => p.processes().filter((n) => !n.startsWith('redis-'));

/**
 * The release's pod labels without the component: the provider's selector for one service
 * names the release and that service's component, and Prometheus must keep every component.
 */
export function releaseLabels(p: Provider): Record<string, string> {
  const terms = p.podSelector('profile').split(',').map((t) => t.split('='));
  const labels = Object.fromEntries(terms.filter(([k, v]) => k && v !== undefined && k !== 'app.kubernetes.io/component') as [string, string][]);
  if (Object.keys(labels).length === 0) throw new Error(`no release label in the provider's pod selector ${JSON.stringify(p.podSelector('profile'))}`);
  return labels;
}

/** The discovered targets against the provider's processes: same addresses, job = component. */
function discoveryProblems(p: Provider, targets: readonly ActiveTarget[]): string[] {
  const want = new Map(scraped(p).map((n) => [new URL(p.endpoint(n)).host, n.replace(/-\d+$/, '')]));
  const got = new Map(targets.map((t) => [t.labels['instance'] ?? '', t.labels['job'] ?? '']));
  const problems: string[] = [];
  for (const [address, job] of want) {
    if (!got.has(address)) problems.push(`${job} at ${address} was not discovered`);
    else if (got.get(address) !== job) problems.push(`${address} was discovered as job ${String(got.get(address))}, expected ${job}`);
  }
  for (const [address, job] of got) if (!want.has(address)) problems.push(`discovered ${job} at ${address}, which is no process of the release`);
  return problems;
}

export async function withPrometheus<T>(
  p: Provider,
  namespace: string,
  ruleFiles: readonly string[],
  log: (m: string) => void,
  fn: (prom: LivePrometheus) => Promise<T>,
): Promise<T> {
  const prom = await startPrometheus({
    kubernetes: { kubeconfigPath: p.kubeconfigPath, namespace, podLabels: releaseLabels(p), portNames: METRICS_PORTS, expectedTargets: scraped(p).length },
    ruleFiles,
  });
  try {
    const targets = await prom.waitForTargets(60_000);
    const problems = discoveryProblems(p, targets);
    if (problems.length > 0) throw new Error(`Prometheus's Kubernetes discovery disagrees with the provider:\n  ${problems.join('\n  ')}`);
    log(`Prometheus ${prom.url} discovered ${targets.length} targets: ${targets.map((t) => `${t.labels['job']}@${t.labels['instance']}`).join(', ')}`);
    return await fn(prom);
  } finally {
    await prom.stop();
  }
}

/**
 * Series whose own label a target label displaced: Prometheus renames a scraped label that
 * clashes with a target label to exported_<label> (herdguard_redis_role's `pod` would become
 * the operator's pod). Returns one line per clash.
 */
export async function displacedLabels(prom: LivePrometheus): Promise<string[]> {
  const out: string[] = [];
  for (const label of ['job', 'instance', 'namespace', POD_NAME_LABEL]) {
    const clashes = await prom.query(`count by (__name__) ({__name__=~"herdguard_.+", exported_${label}!=""})`);
    out.push(...clashes.map((c) => `${c.metric['__name__'] ?? '?'}: its own ${label} label was renamed exported_${label} by the target label`));
  }
  return out;
}

/** A short WebSocket subscription on market-data: loops start, quotes flow, then every client leaves. */
export async function feedSubscription(p: Provider, ms: number): Promise<number> {
  const base = p.endpoint('market-data-0').replace(/^http/, 'ws');
  const lc = new LoadClient({ connections: SYMBOLS.length * 2, symbols: SYMBOLS, initialUrl: () => base, reconnectUrl: base });
  try {
    await lc.start();
    await sleep(ms);
    return lc.stats().quotes;
  } finally {
    await lc.stop();
  }
}

/** A policy update the service refuses: the rendered ConfigMap overwritten with invalid JSON (the operator re-renders it). */
export async function refusedPolicyUpdate(p: Provider, namespace: string): Promise<void> {
  const cm = renderedConfigMapName(p.policyName('market-data'));
  await p.kubectl(['patch', 'configmap', cm, '-n', namespace, '--type', 'merge', '-p', JSON.stringify({ data: { [POLICY_KEY]: '{"not": valid json' } })]);
  await waitFor('market-data counted a refused policy update', async () => {
    const text = await fetch(`${p.endpoint('market-data-0')}/metrics`).then((r) => r.text());
    return (sampleValue(text, 'herdguard_policy_reload_errors_total') ?? 0) > 0;
  }, 15_000);
}
