import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from '../../testkit/postgres.js';
import { freePort, startProcess, waitFor, type Managed } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { COMMON_CODES, fuzzService, RSS_GROWTH_AFTER_HALFWAY_MIB, RSS_LIMIT_MIB, type FuzzReport } from '../service-kit/fuzz/report.js';
import { seedProfiles } from './seeding.js';

const INPUTS = 10_000;
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_202);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

// The real profile process (npm run start:profile's entry point) against real PostgreSQL and
// Redis, sent 10 000 generated requests over raw sockets.
let pgServer: PostgresServer;
let redis: RedisServer;
let proc: Managed;
let report: FuzzReport;

beforeAll(async () => {
  [pgServer, redis] = await Promise.all([startPostgres(), startRedis()]);
  await seedProfiles(pgServer.url, 50);
  const port = await freePort();
  proc = startProcess('profile-fuzz', process.execPath, ['--import', 'tsx', 'example-app/profile/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, DATABASE_URL: pgServer.url, LOG_LEVEL: 'warn' },
  });
  await waitFor('profile process', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
  report = await fuzzService({
    service: 'profile',
    child: proc.child,
    port,
    shape: {
      paths: ['/healthz', '/readyz', '/metrics', '/users/1', '/users/7', '/users/50', '/users/4000', '/users/abc', '/users/0'],
      bodies: ['{"name":"Ada"}', '{"email":"ada@example.com"}', '{"bio":""}', '{"name":"Ada","bio":"x"}', '{"nickname":"x"}', '{"name":5}', '[]', '{}'],
    },
    allowed: [...COMMON_CODES, 'invalid_id', 'invalid_field', 'invalid_body', 'not_found', 'E_ORIGIN_REJECTED', 'E_ORIGIN_TIMEOUT', 'E_ORIGIN_FAILED', 'E_LEASE_WAIT_TIMEOUT'],
    count: INPUTS,
    seed: SEED,
  });
}, 600_000);

afterAll(async () => {
  await proc?.stop();
  await Promise.all([redis?.stop(), pgServer?.stop()]);
});

describe(`profile under ${INPUTS} generated requests (seed ${SEED})`, () => {
  it('answers GET // with 400 invalid_url', () => {
    expect(report.doubleSlash).toEqual({ status: 400, code: 'invalid_url' });
  });

  it('answers every request with a success or a JSON error with a known code, and never hangs', () => {
    expect(report.inputsSent).toBe(INPUTS);
    expect(report.failures).toEqual([]);
  });

  it('refused the prototype-key bodies it was sent as unknown fields', () => {
    expect(report.codes['invalid_field'] ?? 0).toBeGreaterThan(0);
  });

  it('keeps answering /healthz, lets no error escape, and is still running', () => {
    expect(report.healthFailures).toBe(0);
    expect(report.escapedErrors).toBe(0);
    expect(report.processesEnded).toBe(0);
  });

  it(`keeps its RSS under ${RSS_LIMIT_MIB} MiB and stops growing once warm`, () => {
    expect(report.rssMaxMiB).toBeLessThanOrEqual(RSS_LIMIT_MIB);
    expect(report.rssAfterMiB - report.rssHalfwayMiB).toBeLessThanOrEqual(RSS_GROWTH_AFTER_HALFWAY_MIB);
  });
});
