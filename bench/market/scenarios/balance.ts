/**
 * Seed 000 item 5: 3 pods behind a real nginx (least_conn, WebSocket upgrade). 70 % of the
 * clients first connect straight to pod 0 (the pile-up), 30 % through nginx; every
 * reconnection goes through nginx. After the settle time, maxOverMean is read from the pods'
 * own connection gauges, then every open client must receive a live quote.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadClient } from '../../../example-app/market-data/load-client.js';
import { scrapeMetric } from '../../../example-app/market-data/testing/stack.js';
import { startNginx } from '../nginx.js';
import { progress } from '../progress.js';
import { startStack } from '../stack.js';

export interface BalanceResult {
  readonly connections: number;
  readonly skewToFirstPod: number;
  readonly settleSeconds: number;
  readonly perPod: number[];
  readonly maxOverMean: number;
  readonly clientsWithoutFeed: number;
  readonly rebalanceCloses: number;
  readonly reconnects: number;
  /** [second, maxOverMean] samples for the plot. */
  readonly timeline: Array<[number, number]>;
}

export async function balance(quick: boolean): Promise<BalanceResult> {
  const connections = quick ? 3000 : 9000;
  const settleSeconds = quick ? 15 : 30;
  progress('balance: starting redis, feed simulator, 3 pods and nginx (least_conn)');
  const stack = await startStack({ pods: 3, simRate: 50, simLatencyMs: 20, namePrefix: 'balance', podEnv: { BALANCE_INTERVAL_MS: '1000', BALANCE_TOLERANCE_PCT: '5' } });
  const nginx = await startNginx(stack.pods.map((p) => `127.0.0.1:${p.port}`)).catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  const ws = (u: string) => u.replace('http', 'ws');
  const lc = new LoadClient({
    connections,
    symbols: ['AAPL', 'MSFT', 'GOOGL', 'NVDA', 'SPY', 'TSLA', 'AMZN'],
    // 7 of every 10 clients go straight to pod 0 first.
    initialUrl: (i) => (i % 10 < 7 ? ws(stack.pods[0]!.url) : ws(nginx.url)),
    reconnectUrl: ws(nginx.url),
    backoffBaseMs: 500,
    backoffMaxMs: 10_000,
    openPerSec: 1500,
  });
  const podCounts = async () => Promise.all(stack.pods.map(async (p) => (await scrapeMetric(p.url, 'herdguard_ws_connections')) ?? 0));
  const ratio = (c: number[]) => {
    const mean = c.reduce((a, b) => a + b, 0) / c.length;
    return mean > 0 ? Math.max(...c) / mean : 0;
  };
  const timeline: Array<[number, number]> = [];
  try {
    progress(`balance: opening ${connections} connections, 70 % to pod 0`);
    const t0 = performance.now();
    await lc.start();
    while ((performance.now() - t0) / 1000 < settleSeconds) {
      await sleep(1000);
      const c = await podCounts();
      timeline.push([Math.round((performance.now() - t0) / 1000), ratio(c)]);
      progress(`balance: t=${timeline.at(-1)![0]}s per pod ${c.join('/')} maxOverMean ${ratio(c).toFixed(3)}`);
    }
    const perPod = await podCounts();
    lc.mark();
    // Quotes change about every TTL (2 s): 5 s gives every symbol at least one live update.
    await sleep(5000);
    const s = lc.stats();
    const r: BalanceResult = {
      connections,
      skewToFirstPod: 0.7,
      settleSeconds,
      perPod,
      maxOverMean: ratio(perPod),
      clientsWithoutFeed: s.withoutQuoteSinceMark + (connections - s.open),
      rebalanceCloses: s.closeCodes['4000'] ?? 0,
      reconnects: s.reconnects,
      timeline,
    };
    progress(`balance: maxOverMean ${r.maxOverMean.toFixed(3)} (${perPod.join('/')}), clients without feed ${r.clientsWithoutFeed}, rebalance closes ${r.rebalanceCloses}`);
    return r;
  } finally {
    await lc.stop();
    await nginx.stop();
    await stack.stop();
  }
}
