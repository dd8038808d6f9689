import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { quoteChannel } from './feed/redis-bus.js';
import { leaseKey } from './feed/redis-lease.js';
import { LoadClient } from './load-client.js';
import { scrapeMetric, startFeedSimulator, startMarketData, type RunningService } from './testing/stack.js';
import { openClient, type Recorded } from './testing/ws-client.js';
import { CloseCode } from './ws/close-codes.js';

// Three real market-data processes sharing one real Redis and one feed simulator.
let redis: RedisServer;
let sim: RunningService;
const pods: RunningService[] = [];

beforeAll(async () => {
  redis = await startRedis();
  sim = await startFeedSimulator({ rateLimit: 200, latencyMs: 5 });
  for (const name of ['md-a', 'md-b', 'md-c']) {
    pods.push(
      await startMarketData(name, {
        redisUrl: redis.url,
        upstreamUrl: sim.url,
        env: { FEED_INTERVAL_MS: '200', BALANCE_INTERVAL_MS: '0' },
      }),
    );
  }
});

afterAll(async () => {
  await Promise.all(pods.map((p) => p.stop()));
  await sim?.stop();
  await redis?.stop();
});

const ws = (p: RunningService) => p.url.replace('http', 'ws');

describe('market-data fleet', () => {
  it('runs one upstream poller per symbol across three pods and delivers its quotes to subscribers on every pod', async () => {
    const watcher = new Redis(redis.url);
    const probe = new Redis(redis.url);
    const published: number[] = [];
    await watcher.subscribe(quoteChannel('NVDA'));
    watcher.on('message', (_ch: string, msg: string) => published.push((JSON.parse(msg) as { ts: number }).ts));
    const clients: Recorded[] = [];
    try {
      for (const p of pods) for (let i = 0; i < 3; i++) clients.push(await openClient(`${ws(p)}/ws/quotes/NVDA`));
      // Each client must see at least two live quotes (the second one proves the feed keeps flowing).
      await Promise.all(clients.map((c) => waitFor('two quotes', () => Promise.resolve(c.messages.filter((m) => m['type'] === 'quote').length >= 2), 20_000)));
      // One poller: every quote is published once; three pollers would publish each quote three times.
      expect(published.length).toBeGreaterThanOrEqual(2);
      expect(new Set(published).size).toBe(published.length);
      expect(await probe.get(leaseKey('NVDA'))).toMatch(/^md-[abc]:\d+$/);
      // Every pod's clients received the same quote stream.
      const tsOn = (p: number) => new Set(clients.slice(p * 3, p * 3 + 3).flatMap((c) => c.messages.filter((m) => m['type'] === 'quote').map((m) => m['ts'])));
      const common = [...tsOn(0)].filter((t) => tsOn(1).has(t) && tsOn(2).has(t));
      expect(common.length).toBeGreaterThan(0);
    } finally {
      await watcher.quit();
      for (const c of clients) c.ws.close();
      await Promise.all(clients.map((c) => c.closed));
    }
    // The last subscriber on each pod left: every loop stopped and the lease is gone.
    try {
      await waitFor('loops stopped and lease released', async () => {
        const loops = await Promise.all(pods.map((p) => scrapeMetric(p.url, 'herdguard_feed_loops', { state: 'subscribed' })));
        return loops.every((n) => n === 0) && (await probe.exists(leaseKey('NVDA'))) === 0;
      });
    } finally {
      probe.disconnect();
    }
  });

  it('asks excess clients on an overloaded pod to reconnect with close code 4000, and the load client spreads them', async () => {
    // Balance runs on a fleet of its own, so the feed test above is not rebalanced mid-way.
    const fleet: RunningService[] = [];
    for (const name of ['bal-a', 'bal-b', 'bal-c']) {
      fleet.push(
        await startMarketData(name, {
          redisUrl: redis.url,
          upstreamUrl: sim.url,
          env: { FEED_INTERVAL_MS: '200', BALANCE_INTERVAL_MS: '300', BALANCE_TOLERANCE_PCT: '5' },
        }),
      );
    }
    // All 60 clients land on pod a first; reconnections go round-robin over the fleet (our stand-in for the LB).
    let rr = 0;
    const first = await openClient(`${ws(fleet[0]!)}/ws/quotes/AAPL`);
    const lc = new LoadClient({
      connections: 59,
      symbols: ['AAPL', 'MSFT'],
      initialUrl: () => ws(fleet[0]!),
      reconnectUrl: () => ws(fleet[rr++ % 3]!),
      backoffBaseMs: 50,
    });
    try {
      await lc.start();
      const closed = await first.closed;
      expect(closed.code).toBe(CloseCode.Rebalance);
      expect(closed.reason).toContain('rebalance');
      await waitFor('balanced', () => {
        const s = lc.stats();
        const counts = Object.values(s.byPod);
        return Promise.resolve(s.open === 59 && counts.length === 3 && Math.max(...counts) <= 23);
      }, 30_000);
      expect(lc.stats().closeCodes[String(CloseCode.Rebalance)]).toBeGreaterThan(0);
    } finally {
      await lc.stop();
      first.ws.terminate();
      await Promise.all(fleet.map((p) => p.stop()));
    }
  });
});
