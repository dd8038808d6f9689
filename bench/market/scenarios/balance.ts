/**
 * Seed 000 item 5: 3 pods behind a real nginx (least_conn, WebSocket upgrade, retry on 503).
 * The clients first connect straight to the pods in the seed's proportions (45 000 / 3 200 /
 * 2 800: the pile-up); every reconnection goes through nginx. During the settle time each
 * pod's connections, RSS and event-loop lag are sampled every second and the clients time
 * the quote fan-out; then maxOverMean is read from the pods' own gauges, and every open
 * client must receive a live quote. closesPerExcessConnection = rebalance closes (4000) ÷
 * the excess at the start (the sum over pods of their initial connections above the mean).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadClient } from '../../../example-app/market-data/load-client.js';
import { startNginx } from '../nginx.js';
import { PodSampler, type PodSummary } from '../pod-sampler.js';
import { progress } from '../progress.js';
import { startStack } from '../stack.js';

/** Seed 000's connections per pod: the start skew is these proportions. */
export const SEED_SKEW = [45_000, 3_200, 2_800] as const;

export interface BalanceResult {
  readonly connections: number;
  readonly initialPerPod: number[];
  readonly excessAtStart: number;
  readonly settleSeconds: number;
  /** Seconds the load client took to open every connection (the pace falls behind under load). */
  readonly openSeconds: number;
  readonly perPod: number[];
  readonly maxOverMean: number;
  /** Seconds from the first connection until maxOverMean stayed at or under 1.10. */
  readonly secondsToBalanced: number | null;
  readonly clientsWithoutFeed: number;
  readonly rebalanceCloses: number;
  readonly closesPerExcessConnection: number;
  readonly reconnects: number;
  readonly pods: PodSummary[];
  /** Quote fan-out latency over the whole run (first client to each client, same quote). */
  readonly fanOutP99Ms: number;
  readonly fanOutP50Ms: number;
  /** [second, maxOverMean] samples for the plot. */
  readonly timeline: Array<[number, number]>;
}

/** The pod the i-th client first connects to, interleaved so every opening second has the seed's mix. */
export function initialPod(i: number): number {
  const total = SEED_SKEW.reduce((a, b) => a + b, 0) / 100; // 510 slots per cycle
  const slot = i % total;
  let edge = 0;
  for (let p = 0; p < SEED_SKEW.length; p++) {
    edge += (SEED_SKEW[p] as number) / 100;
    if (slot < edge) return p;
  }
  return 0;
}

const ratio = (c: readonly number[]) => {
  const mean = c.reduce((a, b) => a + b, 0) / c.length;
  return mean > 0 ? Math.max(...c) / mean : 0;
};

export function excessOf(perPod: readonly number[]): number {
  const mean = perPod.reduce((a, b) => a + b, 0) / perPod.length;
  return Math.round(perPod.reduce((a, c) => a + Math.max(0, c - mean), 0));
}

export async function balance(quick: boolean, connectionsOverride?: number): Promise<BalanceResult> {
  const connections = connectionsOverride ?? (quick ? 3000 : 18_000);
  const settleSeconds = 30;
  progress('balance: starting redis, feed simulator, 3 pods and nginx (least_conn, next upstream on 503)');
  const stack = await startStack({ pods: 3, simRate: 50, simLatencyMs: 20, namePrefix: 'balance', podEnv: { BALANCE_INTERVAL_MS: '1000', BALANCE_TOLERANCE_PCT: '5', WS_MAX_CONNECTIONS: '19000' } });
  const nginx = await startNginx(stack.pods.map((p) => `127.0.0.1:${p.port}`)).catch(async (err: unknown) => {
    await stack.stop();
    throw err;
  });
  const ws = (u: string) => u.replace('http', 'ws');
  const initialPerPod = [0, 0, 0];
  for (let i = 0; i < connections; i++) initialPerPod[initialPod(i)]! += 1;
  const lc = new LoadClient({
    connections,
    symbols: ['AAPL', 'MSFT', 'GOOGL', 'NVDA', 'SPY', 'TSLA', 'AMZN'],
    initialUrl: (i) => ws(stack.pods[initialPod(i)]!.url),
    reconnectUrl: ws(nginx.url),
    backoffBaseMs: 500,
    backoffMaxMs: 10_000,
    openPerSec: 3000,
  });
  const sampler = new PodSampler(stack.pods.map((p) => p.url));
  const timeline: Array<[number, number]> = [];
  try {
    progress(`balance: opening ${connections} connections, ${initialPerPod.join('/')} straight to the pods`);
    // Sampled from the first connection on: the pods start balancing while the clients still open.
    const t0 = performance.now();
    let openedAt: number | undefined;
    const opening = lc.start().then(() => (openedAt = performance.now()));
    while (openedAt === undefined || (performance.now() - openedAt) / 1000 < settleSeconds) {
      await sleep(1000);
      const c = await sampler.sample();
      timeline.push([Math.round((performance.now() - t0) / 1000), ratio(c)]);
      progress(`balance: t=${timeline.at(-1)![0]}s per pod ${c.join('/')} maxOverMean ${ratio(c).toFixed(3)} closes ${lc.stats().closeCodes['4000'] ?? 0}`);
    }
    await opening;
    const perPod = await sampler.sample();
    lc.mark();
    // Quotes change about every TTL (2 s): 5 s gives every symbol at least one live update.
    await sleep(5000);
    const s = lc.stats();
    const excessAtStart = excessOf(initialPerPod);
    const rebalanceCloses = s.closeCodes['4000'] ?? 0;
    const lastOver = timeline.findLastIndex(([, r]) => r > 1.1);
    const r: BalanceResult = {
      connections,
      initialPerPod,
      excessAtStart,
      settleSeconds,
      openSeconds: Math.round(((openedAt ?? t0) - t0) / 1000),
      perPod,
      maxOverMean: ratio(perPod),
      secondsToBalanced: lastOver === timeline.length - 1 ? null : lastOver < 0 ? 0 : timeline[lastOver + 1]![0],
      clientsWithoutFeed: s.withoutQuoteSinceMark + (connections - s.open),
      rebalanceCloses,
      closesPerExcessConnection: excessAtStart > 0 ? rebalanceCloses / excessAtStart : 0,
      reconnects: s.reconnects,
      pods: sampler.summary(),
      fanOutP99Ms: lc.fanOut.quantileMs(0.99),
      fanOutP50Ms: lc.fanOut.quantileMs(0.5),
      timeline,
    };
    progress(`balance: maxOverMean ${r.maxOverMean.toFixed(3)} (${perPod.join('/')}), clients without feed ${r.clientsWithoutFeed}, rebalance closes ${rebalanceCloses} for an excess of ${excessAtStart}`);
    progress(`balance: pods ${JSON.stringify(r.pods)} fan-out p50/p99 ${r.fanOutP50Ms}/${r.fanOutP99Ms} ms`);
    return r;
  } finally {
    await lc.stop();
    await nginx.stop();
    await stack.stop();
  }
}
