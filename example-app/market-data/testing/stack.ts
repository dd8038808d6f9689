/**
 * Real processes for the market-data integration tests and benchmarks: a feed simulator
 * and N market-data pods (node + tsx), each on its own port, logging to a file, stopped by
 * their owner. Redis comes from testkit/redis.ts.
 */
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { freePort, startProcess, waitFor, type Managed } from '../../../testkit/process.js';
import { sampleValue } from '../../../lib/1-ground/exposition.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface RunningService extends Managed {
  readonly port: number;
  readonly url: string;
}

export interface ProcessOptions {
  readonly env?: Record<string, string>;
  readonly logDir?: string;
  readonly nodeArgs?: readonly string[];
}

async function startNodeService(name: string, entry: string, o: ProcessOptions & { port?: number }): Promise<RunningService> {
  const port = o.port ?? (await freePort());
  const proc = startProcess(name, process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...o.env, PORT: String(port) },
    ...(o.logDir ? { logDir: o.logDir } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${name} on ${url}`, async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}; see ${proc.logFile}`);
      const r = await request(`${url}/readyz`);
      await r.body.dump();
      return r.statusCode === 200;
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { ...proc, port, url };
}

export function startFeedSimulator(o: ProcessOptions & { rateLimit?: number; latencyMs?: number } = {}): Promise<RunningService> {
  return startNodeService('feed-simulator', 'example-app/feed-simulator/main.ts', {
    ...o,
    env: { RATE_LIMIT: String(o.rateLimit ?? 50), LATENCY_MS: String(o.latencyMs ?? 20), ...o.env },
  });
}

export function startMarketData(
  name: string,
  o: ProcessOptions & { redisUrl: string; upstreamUrl: string; port?: number },
): Promise<RunningService> {
  return startNodeService(name, 'example-app/market-data/main.ts', {
    ...o,
    env: { REDIS_URL: o.redisUrl, UPSTREAM_URL: o.upstreamUrl, POD_NAME: name, ...o.env },
  });
}

export async function getJson<T = unknown>(url: string, method: 'GET' | 'POST' = 'GET'): Promise<{ status: number; body: T; headers: Record<string, unknown> }> {
  const r = await request(url, { method });
  const text = await r.body.text();
  return { status: r.statusCode, body: (text ? JSON.parse(text) : undefined) as T, headers: r.headers };
}

/** The value of one sample in a Prometheus text exposition (first series matching all labels). */
export async function scrapeMetric(baseUrl: string, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const r = await request(`${baseUrl}/metrics`);
  return sampleValue(await r.body.text(), name, labels);
}
