/**
 * Seed 000 item 4: 1 000 WebSocket subscribers and 1 000 req/s on one symbol over 3 pods.
 * Redis itself counts the operations per key (MONITOR on a separate connection) during the
 * measurement window, after a warm-up that lets the pods detect the key as hot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadClient } from '../../../example-app/market-data/load-client.js';
import { openLoop } from '../http-load.js';
import { KeyOpsSampler } from '../monitor.js';
import { progress } from '../progress.js';
import { startStack } from '../stack.js';

export interface HotKeyResult {
  readonly symbol: string;
  readonly subscribers: number;
  readonly ratePerSec: number;
  readonly windowSeconds: number;
  readonly requestsInWindow: number;
  readonly redisCommandsInWindow: number;
  readonly hottestKey: string;
  readonly redisOpsOnHottestKey: number;
  readonly redisOpsOnHottestKeyPerRequest: number;
  readonly topKeys: Array<{ key: string; ops: number }>;
  readonly responses: Record<string, number>;
  readonly quotesDelivered: number;
}

export async function hotKey(quick: boolean): Promise<HotKeyResult> {
  const symbol = 'AAPL';
  const warmupMs = quick ? 3000 : 6000;
  const windowMs = quick ? 5000 : 15_000;
  progress('hotKey: starting redis, feed simulator and 3 pods (default policy: hot above 200 req/s, 8 replicas)');
  const stack = await startStack({ pods: 3, simRate: 50, simLatencyMs: 20, namePrefix: 'hotkey', podEnv: { BALANCE_INTERVAL_MS: '0' } });
  const ws = (u: string) => u.replace('http', 'ws');
  const lc = new LoadClient({
    connections: 1000,
    symbols: [symbol],
    initialUrl: (i) => ws(stack.pods[i % 3]!.url),
    reconnectUrl: ws(stack.pods[0]!.url),
    openPerSec: 1000,
  });
  const sampler = new KeyOpsSampler(stack.redis.url);
  try {
    await lc.start();
    progress(`hotKey: 1000 subscribers on ${symbol}; ${windowMs / 1000 + warmupMs / 1000}s of 1000 req/s, Redis MONITOR after ${warmupMs / 1000}s warm-up`);
    let counting = false;
    let requestsInWindow = 0;
    const load = openLoop({
      targets: stack.pods.map((p) => p.url),
      paths: [`/quotes/${symbol}`],
      ratePerSec: 1000,
      durationMs: warmupMs + windowMs,
      onSend: () => {
        if (counting) requestsInWindow += 1;
      },
    });
    await sleep(warmupMs);
    await sampler.start();
    counting = true;
    await sleep(windowMs);
    counting = false;
    const sampled = await sampler.stop();
    const result = await load;
    const hottest = sampled.top[0] ?? { key: '(none)', ops: 0 };
    const r: HotKeyResult = {
      symbol,
      subscribers: 1000,
      ratePerSec: 1000,
      windowSeconds: windowMs / 1000,
      requestsInWindow,
      redisCommandsInWindow: sampled.commands,
      hottestKey: hottest.key,
      redisOpsOnHottestKey: hottest.ops,
      redisOpsOnHottestKeyPerRequest: requestsInWindow ? hottest.ops / requestsInWindow : Number.NaN,
      topKeys: sampled.top,
      responses: result.byStatus,
      quotesDelivered: lc.stats().quotes,
    };
    progress(`hotKey: hottest key ${r.hottestKey} took ${r.redisOpsOnHottestKey} ops for ${requestsInWindow} requests = ${r.redisOpsOnHottestKeyPerRequest.toFixed(4)} per request`);
    return r;
  } finally {
    await sampler.stop().catch(() => undefined);
    await lc.stop();
    await stack.stop();
  }
}
