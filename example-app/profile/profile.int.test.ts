import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPostgres, type PostgresServer } from '../../testkit/postgres.js';
import { startProcess, tempDir, freePort, waitFor } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { silentLogger } from '../../lib/1-ground/log.js';
import { createProfileApp, type ProfileApp } from './app.js';
import { countOriginReads } from './db.js';
import { DEFAULT_POLICY_SPEC } from './default-policy.js';
import { seedProfiles } from './seeding.js';

const USERS = 50;

function policyText(generation: number, ttl: string): string {
  const spec = structuredClone(DEFAULT_POLICY_SPEC) as unknown as { keyspaces: Array<Record<string, unknown>> };
  (spec.keyspaces[0] as Record<string, unknown>)['ttl'] = ttl;
  return JSON.stringify({ apiVersion: 'herdguard.io/v1alpha1', kind: 'CachePolicy', metadata: { name: 'profile', generation }, spec });
}

describe('profile service against real Redis and PostgreSQL', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  let app: ProfileApp;
  let base: string;
  let admin: pg.Client;
  let policyFile: string;

  beforeAll(async () => {
    [pgServer, redis] = await Promise.all([startPostgres(), startRedis()]);
    await seedProfiles(pgServer.url, USERS);
    admin = new pg.Client({ connectionString: pgServer.url });
    await admin.connect();
    policyFile = join(tempDir('profile-policy'), 'policy.json');
    writeFileSync(policyFile, policyText(1, '60s'));
    app = await createProfileApp(
      { port: 0, redisUrl: redis.url, databaseUrl: pgServer.url, policyFile, poolMax: 10, cacheImpl: 'herdguard', serviceName: 'profile' },
      { logger: silentLogger },
    );
    base = `http://127.0.0.1:${await app.service.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await app?.close();
    await admin?.end();
    await Promise.all([redis?.stop(), pgServer?.stop()]);
  });

  const get = (path: string) => fetch(base + path);
  const put = (path: string, body: string, type = 'application/json') =>
    fetch(base + path, { method: 'PUT', body, headers: { 'content-type': type } });
  const resetStats = () => admin.query('SELECT pg_stat_statements_reset()');

  it('answers GET /users/:id with the profile and its version', async () => {
    const r = await get('/users/7');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ id: 7, name: 'User 7', email: 'user7@example.com', version: 1 });
  });

  it.each(['0', '-1', '1.5', 'abc', '99999999999999', '2147483648'])('refuses GET /users/%s with 400 saying what ids are accepted', async (id) => {
    const r = await get(`/users/${id}`);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_id');
    expect(body.error.message).toContain('expected a positive integer from 1 to 2147483647');
  });

  it('answers 404 for an unknown id and remembers it: the second request does not reach the database', async () => {
    await resetStats();
    const first = await get('/users/4000');
    const second = await get('/users/4000');
    expect([first.status, second.status]).toEqual([404, 404]);
    expect(((await second.json()) as { error: { message: string } }).error.message).toBe('user 4000 does not exist');
    expect(await countOriginReads(admin)).toBe(1);
  });

  it.each([
    ['not JSON', '{"name":', 'application/json', 400, 'not valid JSON'],
    ['a wrong type', '{"name":5}', 'application/json', 400, 'field "name"'],
    ['an unknown field', '{"nickname":"x"}', 'application/json', 400, 'field "nickname": unknown field'],
    ['an array', '[1]', 'application/json', 400, 'must be a JSON object'],
    ['no change', '{}', 'application/json', 400, 'changes nothing'],
    ['an oversized body', JSON.stringify({ bio: 'x'.repeat(9000) }), 'application/json', 413, 'limit'],
    ['the wrong content-type', '{"name":"x"}', 'text/plain', 415, 'expected content-type application/json'],
  ])('refuses a PUT with %s, saying what is wrong', async (_what, body, type, status, message) => {
    const r = await put('/users/3', body, type);
    expect(r.status).toBe(status);
    expect(((await r.json()) as { error: { message: string } }).error.message).toContain(message);
  });

  it('refuses a PUT to an id that is not a positive integer', async () => {
    const r = await put('/users/abc', '{"name":"x"}');
    expect(r.status).toBe(400);
  });

  it('answers 404 to a PUT for an unknown id', async () => {
    const r = await put('/users/4001', '{"name":"Nobody"}');
    expect(r.status).toBe(404);
  });

  it('repopulates the cache on PUT: the next GET returns the new version without reading the database', async () => {
    const before = (await (await get('/users/9')).json()) as { version: number };
    await resetStats();
    const r = await put('/users/9', '{"name":"Ada","email":"ada@example.com"}');
    expect(r.status).toBe(200);
    const updated = (await r.json()) as { version: number; name: string };
    expect(updated).toMatchObject({ name: 'Ada', version: before.version + 1 });
    const after = (await (await get('/users/9')).json()) as { version: number; name: string };
    expect(after).toMatchObject({ name: 'Ada', version: before.version + 1 });
    expect(await countOriginReads(admin)).toBe(0);
  });

  it('exposes pool gauges for active, idle and waiting connections, and health endpoints', async () => {
    const text = await (await get('/metrics')).text();
    for (const state of ['active', 'idle', 'waiting']) {
      expect(text).toMatch(new RegExp(`herdguard_db_pool_connections\\{service="profile",state="${state}"\\} \\d+`));
    }
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('keeps the last good policy when the file turns invalid, counts the refusal, then applies a valid change live', async () => {
    const refusals = async () => {
      const text = await (await get('/metrics')).text();
      const m = /herdguard_policy_reload_errors_total\{service="profile",reason="invalid"\} (\d+)/.exec(text);
      return Number(m?.[1] ?? 0);
    };
    const before = await refusals();
    writeFileSync(policyFile, policyText(2, 'sixty seconds'));
    await vi.waitFor(async () => expect(await refusals()).toBe(before + 1), { timeout: 10_000, interval: 50 });
    expect(app.policy().generation).toBe(1);
    expect((await get('/users/1')).status).toBe(200);

    writeFileSync(policyFile, policyText(3, '90s'));
    await vi.waitFor(() => expect(app.policy().generation).toBe(3), { timeout: 10_000, interval: 50 });
    expect(app.policy().keyspaces[0]?.ttlMs).toBe(90_000);
    expect(app.store().impl).toBe('herdguard');
  });

  it('seeds idempotently: running the seed again adds no user twice', async () => {
    expect(await seedProfiles(pgServer.url, USERS)).toEqual({ inserted: 0 });
    expect(await seedProfiles(pgServer.url, USERS + 2)).toEqual({ inserted: 2 });
  });

  it('refuses a bad --users flag of the seed script with exit code 2 and a message naming the flag', async () => {
    const proc = startProcess('seed-bad-flag', process.execPath, ['--import', 'tsx', 'example-app/profile/seed.ts', '--users', 'lots'], {
      env: { ...process.env, DATABASE_URL: pgServer.url },
    });
    expect(await proc.exited).toBe(2);
    expect(readFileSync(proc.logFile, 'utf8')).toContain('--users: "lots" is not accepted; expected an integer from 1 to 10000000');
  });

  it('runs as a process that refuses a bad CACHE_IMPL by name, and stops cleanly on SIGTERM', async () => {
    const bad = startProcess('profile-bad-env', process.execPath, ['--import', 'tsx', 'example-app/profile/main.ts'], {
      env: { ...process.env, CACHE_IMPL: 'memcached', REDIS_URL: redis.url, DATABASE_URL: pgServer.url },
    });
    expect(await bad.exited).toBe(1);

    const port = await freePort();
    const proc = startProcess('profile-sigterm', process.execPath, ['--import', 'tsx', 'example-app/profile/main.ts'], {
      env: { ...process.env, PORT: String(port), REDIS_URL: redis.url, DATABASE_URL: pgServer.url, LOG_LEVEL: 'warn' },
    });
    try {
      await waitFor('profile process', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200);
      expect((await fetch(`http://127.0.0.1:${port}/users/2`)).status).toBe(200);
      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
    } finally {
      await proc.stop();
    }
  });
});
