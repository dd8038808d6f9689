import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/1-ground/log.js';
import type { RenderedPolicy } from '../../lib/3-policy/types.js';
import type { RenderedWarmup } from '../../lib/3-policy/warmup.js';
import { startPostgres, type PostgresServer } from '../../testkit/postgres.js';
import { tempDir, waitFor } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { createProfileApp, type ProfileApp } from './app.js';
import { DEFAULT_POLICY_SPEC } from './default-policy.js';
import { seedProfiles } from './seeding.js';

// The profile service's Redis following, wired as main.ts wires it, against a real primary
// and replica: the rendered policy (a watched file here, a ConfigMap in a cluster) publishes
// a promotion and then a cold-Redis warmup request, as the operator would.
describe('profile service following the published Redis primary', () => {
  let pgServer: PostgresServer;
  let a: RedisServer;
  let b: RedisServer;
  let onB: Redis;
  let app: ProfileApp;
  let base: string;
  let policyFile: string;

  const publish = (primary: RedisServer, epoch: number, warmup?: RenderedWarmup) => {
    const rendered: RenderedPolicy = {
      apiVersion: 'herdguard.io/v1alpha1',
      kind: 'RenderedCachePolicy',
      policy: 'profile',
      namespace: 'shop',
      generation: 1,
      spec: DEFAULT_POLICY_SPEC,
      redis: { primary: `${primary.host}:${primary.port}`, epoch, ...(warmup ? { warmup } : {}) },
    };
    writeFileSync(policyFile, JSON.stringify(rendered));
  };
  const cached = async (id: number) => (await onB.get(`user:${id}`)) ?? '';

  beforeAll(async () => {
    [pgServer, a] = await Promise.all([startPostgres(), startRedis({ name: 'profile-a' })]);
    b = await startRedis({ name: 'profile-b', replicaOf: { host: a.host, port: a.port } });
    onB = new Redis({ host: b.host, port: b.port });
    await seedProfiles(pgServer.url, 20);
    policyFile = join(tempDir('profile-follow'), 'policy.json');
    publish(a, 1);
    app = await createProfileApp(
      { port: 0, redisUrl: a.url, databaseUrl: pgServer.url, policyFile, poolMax: 5, cacheImpl: 'herdguard', serviceName: 'profile' },
      { logger: silentLogger },
    );
    base = `http://127.0.0.1:${await app.service.listen(0, '127.0.0.1')}`;
  });

  afterAll(async () => {
    await app?.close();
    onB?.disconnect();
    await Promise.all([b?.stop(), a?.stop(), pgServer?.stop()]);
  });

  it('after a published promotion, repopulates on the new primary a profile it wrote that never reached it', async () => {
    expect((await fetch(`${base}/users/3`)).status).toBe(200);
    // The replica stops following: the write below lands on the old primary only, as when
    // a primary dies before it replicated an acknowledged write.
    await onB.call('REPLICAOF', 'NO', 'ONE');
    const put = await fetch(`${base}/users/3`, { method: 'PUT', body: '{"name":"Moved Before The Loss"}', headers: { 'content-type': 'application/json' } });
    expect(put.status).toBe(200);
    expect(await cached(3)).not.toContain('Moved Before The Loss');
    publish(b, 2);
    await waitFor('the profile written before the promotion is on the new primary', async () => (await cached(3)).includes('Moved Before The Loss'), 20_000);
    const r = await fetch(`${base}/users/3`);
    expect(await r.json()).toMatchObject({ id: 3, name: 'Moved Before The Loss' });
  });

  it("warms the profiles it served lately once the operator asks, after Redis came back empty", async () => {
    for (const id of [5, 6, 7]) expect((await fetch(`${base}/users/${id}`)).status).toBe(200);
    await onB.flushall();
    publish(b, 2, { id: 'w-1', ratePerSecondPerInstance: 100, topKeys: 100, requestedAt: new Date().toISOString() });
    await waitFor('the recently served profiles are back in Redis', async () => (await Promise.all([5, 6, 7].map(cached))).every((v) => v !== ''), 20_000);
    expect(await cached(6)).toContain('User 6');
  });
});
