/** One scenario's real processes: Redis, the feed simulator and N market-data pods, stopped together. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { startFeedSimulator, startMarketData, type RunningService } from '../../example-app/market-data/testing/stack.js';

export interface Stack {
  readonly redis: RedisServer;
  readonly sim: RunningService;
  readonly pods: RunningService[];
  readonly logDir: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly pods: number;
  readonly simRate: number;
  readonly simLatencyMs: number;
  readonly podEnv?: Record<string, string>;
  /** A CachePolicy spec written to a file and given as HERDGUARD_POLICY_FILE. */
  readonly policySpec?: unknown;
  readonly nodeArgs?: readonly string[];
  readonly namePrefix?: string;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const logDir = tempDir('bench-market');
  const redis = await startRedis({ logDir });
  const started: RunningService[] = [];
  const stop = async () => {
    await Promise.all(started.map((p) => p.stop()));
    await redis.stop();
  };
  try {
    const sim = await startFeedSimulator({ rateLimit: o.simRate, latencyMs: o.simLatencyMs, logDir });
    started.push(sim);
    const env: Record<string, string> = { ...o.podEnv };
    if (o.policySpec) {
      const file = join(logDir, 'policy.json');
      writeFileSync(file, JSON.stringify(o.policySpec));
      env['HERDGUARD_POLICY_FILE'] = file;
    }
    const pods = await Promise.all(
      Array.from({ length: o.pods }, (_, i) =>
        startMarketData(`${o.namePrefix ?? 'pod'}-${i}`, { redisUrl: redis.url, upstreamUrl: sim.url, logDir, env, nodeArgs: o.nodeArgs ?? [] }),
      ),
    );
    started.push(...pods);
    return { redis, sim, pods, logDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
