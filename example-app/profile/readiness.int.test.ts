import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startPostgres, type PostgresServer } from '../../testkit/postgres.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { silentLogger } from '../../lib/1-ground/log.js';
import { createProfileApp, type ProfileApp } from './app.js';
import { seedProfiles } from './seeding.js';

// /readyz follows the fail-safe rule: ready while PostgreSQL OR Redis answers, unready when
// neither does. Real servers are stopped and started under a running profile service.
describe('profile /readyz under the fail-safe design', () => {
  let pgServer: PostgresServer;
  let redis: RedisServer;
  let app: ProfileApp;
  let base: string;

  beforeAll(async () => {
    [pgServer, redis] = await Promise.all([startPostgres(), startRedis()]);
    await seedProfiles(pgServer.url, 5);
    app = await createProfileApp(
      { port: 0, redisUrl: redis.url, databaseUrl: pgServer.url, policyFile: undefined, poolMax: 4, cacheImpl: 'herdguard', serviceName: 'profile' },
      { logger: silentLogger },
    );
    base = `http://127.0.0.1:${await app.service.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([redis?.stop(), pgServer?.stop()]);
  });

  const readyz = async () => {
    const r = await fetch(`${base}/readyz`);
    return { status: r.status, body: (await r.json()) as { status: string } };
  };
  const becomes = (status: number) =>
    vi.waitFor(async () => expect((await readyz()).status).toBe(status), { timeout: 15_000, interval: 200 });

  it('is ready with PostgreSQL and Redis up', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { status: 'ready' } });
    expect((await fetch(`${base}/users/1`)).status).toBe(200);
  });

  it('stays ready with PostgreSQL down while Redis answers, and serves the cached profile', async () => {
    await pgServer.stop();
    await expect(app.db.pool.query('SELECT 1')).rejects.toThrow();
    await becomes(200);
    expect((await fetch(`${base}/users/1`)).status).toBe(200);
  });

  it('turns unready (503) once Redis is down too, since no request could succeed', async () => {
    await redis.stop();
    await becomes(503);
    expect((await readyz()).body).toEqual({ status: 'not ready' });
  });

  it('is ready again when Redis comes back on its address', async () => {
    redis = await startRedis({ port: redis.port });
    await becomes(200);
  });
});
