import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { COMMON_CODES, fuzzService, RSS_GROWTH_AFTER_HALFWAY_MIB, RSS_LIMIT_MIB, writeReport, type FuzzReport } from '../service-kit/fuzz/report.js';
import { inMiB, rssBytes } from '../service-kit/fuzz/rss.js';
import { generateFrameInputs, runWsCampaign, type WsStats } from '../service-kit/fuzz/ws-campaign.js';
import { startFeedSimulator, startMarketData, type RunningService } from './testing/stack.js';

const HTTP_INPUTS = 7000;
const WS_INPUTS = 3000;
const MAX_MESSAGE_BYTES = 4096;
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_202);

// A real market-data process (real Redis, real feed simulator): 7 000 generated HTTP requests
// and 3 000 generated WebSocket exchanges, all over raw sockets.
let redis: RedisServer;
let sim: RunningService;
let md: RunningService;
let http: FuzzReport & { stats?: unknown };
let ws: WsStats & { rssBeforeMiB: number; rssAfterMiB: number; healthFailures: number };

async function healthy(url: string): Promise<boolean> {
  const r = await request(`${url}/healthz`);
  await r.body.dump();
  return r.statusCode === 200;
}

beforeAll(async () => {
  redis = await startRedis();
  sim = await startFeedSimulator({ rateLimit: 500, latencyMs: 0 });
  md = await startMarketData('md-fuzz', {
    redisUrl: redis.url,
    upstreamUrl: sim.url,
    env: { BALANCE_INTERVAL_MS: '0', WS_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES), WS_MAX_SUBSCRIPTIONS: '5' },
  });
  http = await fuzzService({
    service: 'market-data-http',
    child: md.child,
    port: md.port,
    shape: {
      paths: ['/healthz', '/readyz', '/metrics', '/quotes/AAPL', '/quotes/ZZZZZZ', '/quotes/bad!', '/ws/quotes/AAPL', '/ws/quotes/bad!', '/ws/nothing', '/debug/feed'],
      bodies: ['{"op":"subscribe","symbol":"AAPL"}', '{}'],
    },
    allowed: [...COMMON_CODES, 'malformed_symbol', 'unknown_symbol', 'upstream_unavailable', 'invalid_handshake', 'too_many_connections'],
    count: HTTP_INPUTS,
    seed: SEED,
  });
  const pid = md.child.pid as number;
  const rssBefore = rssBytes(pid);
  let healthFailures = 0;
  const stats = await runWsCampaign({
    port: md.port,
    inputs: generateFrameInputs(WS_INPUTS, SEED, MAX_MESSAGE_BYTES),
    concurrency: 16,
    between: async () => {
      if (!(await healthy(md.url))) healthFailures += 1;
    },
  });
  if (!(await healthy(md.url))) healthFailures += 1;
  ws = { ...stats, rssBeforeMiB: inMiB(rssBefore), rssAfterMiB: inMiB(rssBytes(pid)), healthFailures };
  const processesEnded = md.child.exitCode !== null || md.child.signalCode !== null ? 1 : 0;
  writeReport('fuzz-market-data', {
    service: 'market-data',
    seed: SEED,
    inputsSent: http.inputsSent + ws.sent,
    http: { ...http, stats: undefined, failures: undefined },
    ws: { inputsSent: ws.sent, frames: ws.frames, serverMessages: ws.serverMessages, distinctErrorCodes: Object.keys(ws.codes).length, codes: ws.codes, closeCodes: ws.closes, rssBeforeMiB: ws.rssBeforeMiB, rssAfterMiB: ws.rssAfterMiB, healthFailures },
    distinctErrorCodes: new Set([...Object.keys(http.codes), ...Object.keys(ws.codes)]).size,
    rssBeforeMiB: http.rssBeforeMiB,
    rssAfterMiB: ws.rssAfterMiB,
    processesEnded,
    failures: [...http.failures, ...ws.failures],
  });
}, 600_000);

afterAll(async () => {
  await md?.stop();
  await sim?.stop();
  await redis?.stop();
});

describe(`market-data under ${HTTP_INPUTS} generated requests and ${WS_INPUTS} generated WebSocket exchanges (seed ${SEED})`, () => {
  it('answers GET // with 400 invalid_url', () => {
    expect(http.doubleSlash).toEqual({ status: 400, code: 'invalid_url' });
  });

  it('answers every request with a success or a JSON error with a known code, and never hangs', () => {
    expect(http.inputsSent).toBe(HTTP_INPUTS);
    expect(http.failures).toEqual([]);
  });

  it('answers every frame sequence with known messages and close codes, always ending with an answer or a close frame', () => {
    expect(ws.sent).toBe(WS_INPUTS);
    expect(ws.failures).toEqual([]);
    // The generated kinds each reached their refusal: bad UTF-8, too big, protocol errors, storms.
    for (const code of ['1002', '1007', '1009', '4003']) expect(ws.closes[code] ?? 0).toBeGreaterThan(0);
  });

  it('keeps answering /healthz, lets no error escape, and is still running', async () => {
    expect(http.healthFailures + ws.healthFailures).toBe(0);
    expect(http.escapedErrors).toBe(0);
    expect(await healthy(md.url)).toBe(true);
    expect(md.child.exitCode).toBeNull();
    expect(md.child.signalCode).toBeNull();
  });

  it(`keeps its RSS under ${RSS_LIMIT_MIB} MiB and stops growing once warm`, () => {
    expect(Math.max(http.rssMaxMiB, ws.rssAfterMiB)).toBeLessThanOrEqual(RSS_LIMIT_MIB);
    expect(http.rssAfterMiB - http.rssHalfwayMiB).toBeLessThanOrEqual(RSS_GROWTH_AFTER_HALFWAY_MIB);
    expect(ws.rssAfterMiB - http.rssAfterMiB).toBeLessThanOrEqual(RSS_GROWTH_AFTER_HALFWAY_MIB);
  });
});
