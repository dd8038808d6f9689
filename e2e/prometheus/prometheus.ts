/**
 * A real Prometheus (Debian's /usr/bin/prometheus) in a temp dir on a free port, scraping the
 * given targets, or the pods it discovers through the Kubernetes API, every second and
 * evaluating the given rule files every second.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../../testkit/process.js';
import { ensureKubernetesPrometheus } from './prometheus-upstream.js';
import { expectedTargets, prometheusConfig, validateSource, type ScrapeSource } from './scrape-config.js';

export type { KubernetesDiscovery, ScrapeSource, ScrapeTarget } from './scrape-config.js';

export const PROMETHEUS = process.env['HERDGUARD_PROMETHEUS'] ?? '/usr/bin/prometheus';

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** A target Prometheus scrapes, as /api/v1/targets reports it. */
export interface ActiveTarget {
  /** Target labels after relabelling: job, instance (and namespace, kubernetes_pod_name when discovered). */
  readonly labels: Record<string, string>;
  readonly health: string;
  readonly lastError: string;
}

export interface LivePrometheus {
  readonly url: string;
  readonly dir: string;
  readonly proc: Managed;
  /** Instant query; throws with Prometheus's own error text when the query is refused. */
  query(expr: string, atSeconds?: number): Promise<Sample[]>;
  /**
   * Resolves once the expected number of targets (the static list, or the discovery's
   * expectedTargets) is active and every one has been scraped successfully; returns them.
   */
  waitForTargets(timeoutMs?: number): Promise<ActiveTarget[]>;
  stop(): Promise<void>;
}

export function requirePrometheus(): void {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(
      `prometheus not found at ${PROMETHEUS}: run "bash scripts/setup.sh" (installs Debian's prometheus package) or set HERDGUARD_PROMETHEUS`,
    );
  }
}

async function getJson(url: string): Promise<{ status: string; data: unknown; error?: string }> {
  const r = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  return (await r.body.json()) as { status: string; data: unknown; error?: string };
}

export type PrometheusOptions = ScrapeSource & {
  readonly ruleFiles?: readonly string[];
  readonly interval?: string;
  readonly logDir?: string;
};

/** Static targets run on Debian's Prometheus; discovery needs a build that has Kubernetes SD (prometheus-upstream.ts). */
async function binaryFor(opts: PrometheusOptions): Promise<string> {
  if ('kubernetes' in opts) return ensureKubernetesPrometheus();
  requirePrometheus();
  return PROMETHEUS;
}

export async function startPrometheus(opts: PrometheusOptions): Promise<LivePrometheus> {
  validateSource(opts);
  const binary = await binaryFor(opts);
  const dir = tempDir('prometheus');
  const port = await freePort();
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, prometheusConfig(opts, opts.ruleFiles ?? [], opts.interval ?? '1s'));
  const proc = startProcess(
    'prometheus',
    binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
    ],
    { logDir: opts.logDir ?? dir },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`prometheus on ${url} (log: ${proc.logFile})`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`prometheus exited with ${proc.child.exitCode}, see ${proc.logFile}`);
      const r = await request(`${url}/-/ready`);
      await r.body.dump();
      return r.statusCode === 200;
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const query = async (expr: string, at?: number): Promise<Sample[]> => {
    const params = new URLSearchParams({ query: expr, ...(at !== undefined ? { time: String(at) } : {}) });
    const body = await getJson(`${url}/api/v1/query?${params.toString()}`);
    if (body.status !== 'success') throw new Error(`prometheus refused ${expr}: ${body.error ?? 'unknown error'}`);
    const data = body.data as { resultType: string; result: unknown };
    if (data.resultType === 'scalar') {
      const [, v] = data.result as [number, string];
      return [{ metric: {}, value: Number(v) }];
    }
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((r) => ({
      metric: r.metric,
      value: Number(r.value[1]),
    }));
  };
  const want = expectedTargets(opts);
  const activeTargets = async () => (await getJson(`${url}/api/v1/targets?state=active`)).data as { activeTargets: ActiveTarget[] };
  const waitForTargets = async (timeoutMs = 30_000): Promise<ActiveTarget[]> => {
    let seen: ActiveTarget[] = [];
    const show = () => seen.map((t) => `${t.labels['job'] ?? '?'} ${t.labels['instance'] ?? '?'} ${t.health}${t.lastError ? ` (${t.lastError})` : ''}`).join(', ') || 'none';
    try {
      await waitFor(`${want} scrape targets up in ${url}`, async () => {
        seen = (await activeTargets()).activeTargets;
        return seen.length === want && seen.every((t) => t.health === 'up');
      }, timeoutMs);
    } catch (err) {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; active targets: ${show()}`, { cause: err });
    }
    return seen;
  };
  return { url, dir, proc, query, waitForTargets, stop: () => proc.stop() };
}
