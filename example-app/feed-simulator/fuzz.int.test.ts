import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFeedSimulator, type RunningService } from '../market-data/testing/stack.js';
import { COMMON_CODES, fuzzService, RSS_GROWTH_AFTER_HALFWAY_MIB, RSS_LIMIT_MIB, type FuzzReport } from '../service-kit/fuzz/report.js';

const INPUTS = 10_000;
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_202);

// The real feed-simulator process, sent 10 000 generated requests over raw sockets.
let sim: RunningService;
let report: FuzzReport;

beforeAll(async () => {
  sim = await startFeedSimulator({ rateLimit: 200, latencyMs: 0 });
  report = await fuzzService({
    service: 'feed-simulator',
    child: sim.child,
    port: sim.port,
    shape: { paths: ['/healthz', '/readyz', '/quote/AAPL', '/quote/ZZZZZZ', '/quote/bad!', '/stats', '/stats/reset', '/symbols', '/metrics'], bodies: ['{}', '{"reset":true}'] },
    allowed: [...COMMON_CODES, 'malformed_symbol', 'unknown_symbol', 'rate_limited'],
    count: INPUTS,
    seed: SEED,
  });
}, 300_000);

afterAll(async () => {
  await sim?.stop();
});

describe(`feed simulator under ${INPUTS} generated requests (seed ${SEED})`, () => {
  it('answers GET // with 400 invalid_url', () => {
    expect(report.doubleSlash).toEqual({ status: 400, code: 'invalid_url' });
  });

  it('answers every request with a success or a JSON error with a known code, and never hangs', () => {
    expect(report.inputsSent).toBe(INPUTS);
    expect(report.failures).toEqual([]);
  });

  it('keeps answering /healthz, lets no error escape, and is still running', () => {
    expect(report.healthFailures).toBe(0);
    expect(report.escapedErrors).toBe(0);
    expect(report.processesEnded).toBe(0);
  });

  it(`keeps its RSS under ${RSS_LIMIT_MIB} MiB and stops growing once warm (≤ ${RSS_GROWTH_AFTER_HALFWAY_MIB} MiB over the second half)`, () => {
    expect(report.rssMaxMiB).toBeLessThanOrEqual(RSS_LIMIT_MIB);
    expect(report.rssAfterMiB - report.rssHalfwayMiB).toBeLessThanOrEqual(RSS_GROWTH_AFTER_HALFWAY_MIB);
  });
});
