/**
 * Seed 002: 10 000 subscribe/disconnect cycles across the 500-symbol universe against one
 * pod started with --expose-gc. Heap is compared after forced GC, before and after the
 * churn (after a warm-up round, so JIT and pools are already grown); loops, leases and
 * Redis channels left at the end are counted from the pod and from Redis itself.
 */
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { waitFor } from '../../../testkit/process.js';
import { SYMBOLS } from '../../../example-app/feed-simulator/universe.js';
import { getJson } from '../../../example-app/market-data/testing/stack.js';
import { progress } from '../progress.js';
import { startStack } from '../stack.js';

interface DebugStats {
  loops: number;
  orphaned: number;
  stopping: number;
  receivers: number;
  started: number;
  stopped: number;
  wsConnections: number;
  heapUsedBytes: number;
}

export interface LeakResult {
  readonly cycles: number;
  readonly symbols: number;
  readonly activeLoopsAtEnd: number;
  readonly orphanedLoops: number;
  readonly heapGrowthMB: number;
  readonly loopsStarted: number;
  readonly loopsStopped: number;
  readonly pollerLeasesAtEnd: number;
  readonly quoteChannelsAtEnd: number;
  readonly cyclesPerSec: number;
}

/** One cycle: connect, wait for the subscription to be confirmed, disconnect. */
function cycle(base: string, symbol: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base}/ws/quotes/${symbol}`, { perMessageDeflate: false });
    const done = () => {
      ws.removeAllListeners('message');
      ws.close();
    };
    ws.on('message', (d: Buffer) => {
      if (d.toString('utf8').includes('"subscribed"')) done();
    });
    ws.on('error', () => undefined);
    ws.once('close', () => resolve());
  });
}

async function churn(base: string, cycles: number, concurrency: number, offset: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cycles) {
      const i = next++;
      await cycle(base, SYMBOLS[(i + offset) % SYMBOLS.length] as string);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function leak(quick: boolean): Promise<LeakResult> {
  const cycles = 10_000;
  progress('leak: starting redis, feed simulator and one pod with --expose-gc');
  const stack = await startStack({ pods: 1, simRate: 50, simLatencyMs: 20, namePrefix: 'leak', nodeArgs: ['--expose-gc'], podEnv: { DEBUG_ENDPOINTS: '1', BALANCE_INTERVAL_MS: '0' } });
  const pod = stack.pods[0]!;
  const base = pod.url.replace('http', 'ws');
  const redis = new Redis(stack.redis.url);
  const debug = async () => (await getJson<DebugStats>(`${pod.url}/debug/feed`)).body;
  const settled = () =>
    waitFor('every connection and loop gone', async () => {
      const s = await debug();
      return s.wsConnections === 0 && s.loops === 0 && s.stopping === 0;
    }, 30_000);
  try {
    progress('leak: warm-up round over all 500 symbols');
    await churn(base, quick ? 1000 : 2000, 50, 0);
    await settled();
    const before = (await getJson<DebugStats>(`${pod.url}/debug/gc`, 'POST')).body;
    progress(`leak: ${cycles} subscribe/disconnect cycles across ${SYMBOLS.length} symbols (heap after GC ${(before.heapUsedBytes / 2 ** 20).toFixed(1)} MB)`);
    const t0 = performance.now();
    await churn(base, cycles, 100, 7);
    const elapsed = (performance.now() - t0) / 1000;
    await settled();
    const after = (await getJson<DebugStats>(`${pod.url}/debug/gc`, 'POST')).body;
    const leases = (await redis.keys('herdguard:feed:poller:*')).length;
    const channels = ((await redis.pubsub('CHANNELS', 'herdguard:feed:quote:*')) as string[]).length;
    const r: LeakResult = {
      cycles,
      symbols: SYMBOLS.length,
      activeLoopsAtEnd: after.loops + after.stopping,
      orphanedLoops: after.orphaned,
      heapGrowthMB: (after.heapUsedBytes - before.heapUsedBytes) / 2 ** 20,
      loopsStarted: after.started - before.started,
      loopsStopped: after.stopped - before.stopped,
      pollerLeasesAtEnd: leases,
      quoteChannelsAtEnd: channels,
      cyclesPerSec: cycles / elapsed,
    };
    progress(`leak: active loops ${r.activeLoopsAtEnd}, orphaned ${r.orphanedLoops}, heap growth ${r.heapGrowthMB.toFixed(2)} MB, leases ${leases}, channels ${channels}`);
    return r;
  } finally {
    redis.disconnect();
    await stack.stop();
  }
}
