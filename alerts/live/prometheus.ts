/**
 * A real Prometheus (Debian's /usr/bin/prometheus) in a temp dir on a free port, scraping the
 * given targets every second and evaluating the given rule files every second.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { stringify } from 'yaml';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../../e2e/local/process.js';

export const PROMETHEUS = process.env['HERDGUARD_PROMETHEUS'] ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** Becomes the `job` label, e.g. `profile`, `operator`. */
  readonly job: string;
  /** `host:port` serving /metrics. */
  readonly address: string;
  readonly metricsPath?: string;
}

export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface LivePrometheus {
  readonly url: string;
  readonly dir: string;
  readonly proc: Managed;
  /** Instant query; throws with Prometheus's own error text when the query is refused. */
  query(expr: string, atSeconds?: number): Promise<Sample[]>;
  /** Resolves once every target has been scraped successfully at least once. */
  waitForTargets(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function requirePrometheus(): void {
  if (!existsSync(PROMETHEUS)) {
    throw new Error(
      `prometheus not found at ${PROMETHEUS}: run "bash scripts/setup.sh" (installs Debian's prometheus package) or set HERDGUARD_PROMETHEUS`,
    );
  }
}

function config(targets: readonly ScrapeTarget[], ruleFiles: readonly string[], interval: string): string {
  const jobs = new Map<string, ScrapeTarget[]>();
  for (const t of targets) jobs.set(t.job, [...(jobs.get(t.job) ?? []), t]);
  return stringify({
    global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
    rule_files: [...ruleFiles],
    scrape_configs: [...jobs].map(([job, ts]) => ({
      job_name: job,
      metrics_path: ts[0]?.metricsPath ?? '/metrics',
      static_configs: [{ targets: ts.map((t) => t.address) }],
    })),
  });
}

async function getJson(url: string): Promise<{ status: string; data: unknown; error?: string }> {
  const r = await request(url, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  return (await r.body.json()) as { status: string; data: unknown; error?: string };
}

export async function startPrometheus(opts: {
  targets: readonly ScrapeTarget[];
  ruleFiles?: readonly string[];
  interval?: string;
  logDir?: string;
}): Promise<LivePrometheus> {
  requirePrometheus();
  if (opts.targets.length === 0) throw new Error('startPrometheus: expected at least one scrape target, got none');
  const dir = tempDir('prometheus');
  const port = await freePort();
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config(opts.targets, opts.ruleFiles ?? [], opts.interval ?? '1s'));
  const proc = startProcess(
    'prometheus',
    PROMETHEUS,
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
  const waitForTargets = async (timeoutMs = 30_000) => {
    await waitFor(
      `every scrape target up in ${url}`,
      async () => {
        const body = await getJson(`${url}/api/v1/targets`);
        const active = (body.data as { activeTargets: { health: string }[] }).activeTargets;
        return active.length === opts.targets.length && active.every((t) => t.health === 'up');
      },
      timeoutMs,
    );
  };
  return { url, dir, proc, query, waitForTargets, stop: () => proc.stop() };
}
