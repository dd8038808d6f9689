import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { waitFor } from '../../testkit/process.js';
import { quoteChannel } from './feed/redis-bus.js';
import { getJson, scrapeMetric, startFeedSimulator, startMarketData, type RunningService } from './testing/stack.js';
import { openClient, upgradeStatus } from './testing/ws-client.js';
import { CloseCode } from './ws/close-codes.js';

// One real Redis, one feed simulator with a tiny budget (1 req/s) and one market-data pod
// with small WS limits, so every bad-input path can be hit quickly.
let redis: RedisServer;
let sim: RunningService;
let md: RunningService;
let wsBase: string;

beforeAll(async () => {
  redis = await startRedis();
  sim = await startFeedSimulator({ rateLimit: 1, latencyMs: 0 });
  md = await startMarketData('md-bad-input', {
    redisUrl: redis.url,
    upstreamUrl: sim.url,
    env: {
      WS_MAX_SUBSCRIPTIONS: '3',
      WS_MAX_MESSAGE_BYTES: '256',
      WS_SEND_DROP_BYTES: '16384',
      WS_SEND_DISCONNECT_BYTES: '65536',
      BALANCE_INTERVAL_MS: '0',
    },
  });
  wsBase = md.url.replace('http', 'ws');
});

afterAll(async () => {
  await md?.stop();
  await sim?.stop();
  await redis?.stop();
});

describe('GET /quotes/:symbol bad input and upstream limits', () => {
  it('answers 400 naming the accepted format for a malformed symbol', async () => {
    const r = await getJson<{ error: { code: string; message: string } }>(`${md.url}/quotes/aapl$`);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('malformed_symbol');
    expect(r.body.error.message).toContain('expected');
  });

  it('answers 404 for a well-formed symbol outside the symbol list', async () => {
    const r = await getJson<{ error: { code: string } }>(`${md.url}/quotes/ZZZZZZ`);
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('unknown_symbol');
  });

  it('answers 503 with Retry-After when the upstream limits us and no stale quote exists', async () => {
    // The simulator allows 1 request/s: of several never-cached symbols at once, all but one are refused upstream.
    const symbols = ['AMZN', 'META', 'QQQ', 'IWM', 'JPM', 'V'];
    const rs = await Promise.all(symbols.map((s) => getJson<{ error?: { code: string } }>(`${md.url}/quotes/${s}`)));
    const limited = rs.filter((r) => r.status === 503);
    expect(limited.length).toBeGreaterThan(0);
    for (const r of limited) {
      expect(r.body.error?.code).toBe('upstream_unavailable');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    expect(rs.every((r) => r.status === 200 || r.status === 503)).toBe(true);
  });
});

describe('WS /ws/quotes/:symbol bad input', () => {
  it('refuses the upgrade with 400 for a malformed symbol and 404 for an unknown one', async () => {
    expect(await upgradeStatus(`${wsBase}/ws/quotes/not-a-symbol!`)).toBe(400);
    expect(await upgradeStatus(`${wsBase}/ws/quotes/ZZZZZZ`)).toBe(404);
    expect(await upgradeStatus(`${wsBase}/ws/nothing`)).toBe(404);
  });

  it('answers a non-JSON message with an error naming the accepted messages and stays open', async () => {
    const c = await openClient(`${wsBase}/ws/quotes/AAPL`);
    c.ws.send('hello there');
    const err = await c.next((m) => m['type'] === 'error');
    expect(err['code']).toBe('invalid_json');
    expect(String(err['message'])).toContain('"op":"subscribe"');
    c.ws.send(JSON.stringify({ op: 'ping' }));
    await c.next((m) => m['type'] === 'pong');
    c.ws.close();
    await c.closed;
  });

  it('closes with 1009 when a message exceeds the size limit', async () => {
    const c = await openClient(`${wsBase}/ws/quotes/AAPL`);
    c.ws.send(JSON.stringify({ op: 'subscribe', symbol: 'X'.repeat(1000) }));
    expect((await c.closed).code).toBe(CloseCode.MessageTooBig);
  });

  it('refuses a subscription over the per-connection cap and a malformed symbol in a message', async () => {
    const c = await openClient(`${wsBase}/ws/quotes/AAPL`);
    for (const s of ['MSFT', 'GOOGL']) c.ws.send(JSON.stringify({ op: 'subscribe', symbol: s }));
    await c.next((m) => m['type'] === 'subscribed' && m['symbol'] === 'GOOGL');
    c.ws.send(JSON.stringify({ op: 'subscribe', symbol: 'NVDA' }));
    const over = await c.next((m) => m['type'] === 'error');
    expect(over['code']).toBe('too_many_subscriptions');
    expect(String(over['message'])).toContain('at most 3');
    c.ws.send(JSON.stringify({ op: 'unsubscribe', symbol: 'MSFT' }));
    c.ws.send(JSON.stringify({ op: 'subscribe', symbol: 'bad symbol' }));
    const bad = await c.next((m) => m['type'] === 'error' && m['code'] === 'malformed_symbol');
    expect(String(bad['message'])).toContain('expected');
    c.ws.close();
    await c.closed;
  });

  it('drops then disconnects a client that stops reading, and its connection and feed loop are released', async () => {
    const c = await openClient(`${wsBase}/ws/quotes/TSLA`);
    await c.next((m) => m['type'] === 'subscribed');
    // Stop reading: the kernel buffers fill, then the server's send buffer grows.
    (c.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    // Another pod's poller publishing a burst of quotes (the bus is the real Redis channel).
    const pub = new Redis(redis.url);
    try {
      for (let batch = 0; batch < 40; batch++) {
        const pipe = pub.pipeline();
        for (let i = 0; i < 5000; i++) {
          const seq = batch * 5000 + i + 1;
          pipe.publish(quoteChannel('TSLA'), JSON.stringify({ symbol: 'TSLA', price: 1, bid: 1, ask: 1, ts: Date.now() * 1000 + seq, seq }));
        }
        await pipe.exec();
        if (((await scrapeMetric(md.url, 'herdguard_ws_slow_consumer_closed_total')) ?? 0) > 0) break;
      }
    } finally {
      pub.disconnect();
    }
    await waitFor('slow consumer closed', async () => ((await scrapeMetric(md.url, 'herdguard_ws_slow_consumer_closed_total')) ?? 0) === 1, 15_000);
    expect((await scrapeMetric(md.url, 'herdguard_ws_messages_dropped_total')) ?? 0).toBeGreaterThan(0);
    await waitFor('connection released', async () => (await scrapeMetric(md.url, 'herdguard_ws_connections')) === 0, 15_000);
    expect(await scrapeMetric(md.url, 'herdguard_feed_loops', { state: 'orphaned' })).toBe(0);
    c.ws.terminate();
    const { code } = await c.closed;
    expect([CloseCode.SlowConsumer, 1006]).toContain(code);
  });
});
