/**
 * The real clients, each logged in as its chart ACL user, against the chart's Redis (start.sh
 * and users.acl as rendered, a primary and a replica): the cache library and market-data's
 * Redis parts as hg-services, the failover brain's admin client as hg-operator. Each ends by
 * reading Redis's ACL LOG: no command of theirs was refused. The default user is on here only
 * to read that log (ACL LOG needs an administrator; the role users are the same either way).
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../testkit/process.js';
import { createCache, createRedisClient, type Cache } from '../../lib/4-cache/index.js';
import { silentLogger } from '../../lib/1-ground/log.js';
import { testPolicy } from '../../testkit/cache/policy.js';
import { ready } from '../../testkit/cache/redis-fixture.js';
import { FleetRegistry } from '../../example-app/market-data/balance/fleet-registry.js';
import { RedisQuoteBus } from '../../example-app/market-data/feed/redis-bus.js';
import { RedisPollerLease } from '../../example-app/market-data/feed/redis-lease.js';
import type { QuoteEvent } from '../../example-app/market-data/feed/types.js';
import { CurrentRedis } from '../../example-app/market-data/redis-primary.js';
import { envRedisUrl } from '../../example-app/service-kit/env.js';
import { redisAuthFromEnv } from '../../operator/failover/auth.js';
import { systemClock } from '../../lib/1-ground/clock.js';
import { createRedisAdmin } from '../../operator/failover/redis-admin.js';
import type { RedisPod } from '../../operator/failover/world.js';
import { renderChartRedis, roleOf, startChartPod, USER, withUser, type ChartPod, type ChartRedis } from './redis-pods.js';

let chart: ChartRedis;
let primary: ChartPod;
let replica: ChartPod;

beforeAll(async () => {
  chart = renderChartRedis({ defaultUser: true });
  primary = await startChartPod(chart, 0, []);
  replica = await startChartPod(chart, 1, [`127.0.0.1:${primary.port}`]);
});
afterAll(async () => {
  await Promise.all([primary?.proc.stop(1000), replica?.proc.stop(1000)]);
});

/** REDIS_URL and the user as the chart passes them to the services. */
const servicesUrl = (port: number) =>
  envRedisUrl({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_USERNAME: USER.services, REDIS_PASSWORD: chart.passwords.services });

/**
 * Commands Redis refused `user` since the log was last reset. ioredis's CLIENT SETINFO on
 * connect (Redis ≥ 7.2) is left out: it is not granted, and ioredis ignores the refusal.
 */
async function refusals(port: number, user: string): Promise<string[]> {
  return withUser(chart, 'default', port, async (c) => {
    const log = (await c.call('ACL', 'LOG')) as unknown[][];
    const entries = log.map((e) => Object.fromEntries(Array.from({ length: e.length / 2 }, (_, i) => [String(e[2 * i]), e[2 * i + 1]])));
    return entries.filter((e) => e['username'] === user && e['object'] !== 'client|setinfo').map((e) => `${String(e['reason'])} ${String(e['object'])}`);
  });
}
const resetLog = (port: number) => withUser(chart, 'default', port, (c) => c.call('ACL', 'LOG', 'RESET'));

describe('the services as hg-services', () => {
  it('run a HerdCache round trip: one origin call for concurrent misses over two pods, the lease, the fenced write, the fill notice, an L2 hit', async () => {
    await resetLog(primary.port);
    const policy = testPolicy({ coalescing: { local: true, distributed: true, leaseTTL: '5s', waitTimeout: '3s' } });
    const pod = async () => createCache({ service: 'profile', redis: await ready(createRedisClient(servicesUrl(primary.port))), policy, registry: new Registry() });
    const caches: Cache[] = [await pod(), await pod()];
    try {
      let calls = 0;
      const origin = async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 100));
        return { name: 'Ada' };
      };
      const got = await Promise.all(Array.from({ length: 20 }, (_, i) => caches[i % 2]!.get('k:1', origin)));
      expect(got.every((v) => v.name === 'Ada')).toBe(true);
      expect(calls).toBe(1);
      // A third pod reads what the leader's fenced write stored, from Redis.
      const third = await pod();
      caches.push(third);
      expect(await third.get('k:1', origin)).toEqual({ name: 'Ada' });
      expect(calls).toBe(1);
    } finally {
      await Promise.all(caches.map((c) => c.close()));
    }
    expect(await refusals(primary.port, USER.services)).toEqual([]);
  });

  it("run market-data's Redis parts through CurrentRedis from the chart's env: fleet registry, poller lease, quote bus", async () => {
    await resetLog(primary.port);
    const redis = new CurrentRedis({ url: servicesUrl(primary.port), logger: silentLogger });
    const bus = new RedisQuoteBus(redis, silentLogger);
    try {
      await waitFor('market-data connected', () => Promise.resolve(redis.client.status === 'ready'));
      const fleet = new FleetRegistry(redis, 'market-data', 5000);
      expect(await fleet.report('pod-a', 3)).toEqual(new Map([['pod-a', 3]]));
      await fleet.leave('pod-a');
      const lease = new RedisPollerLease(redis, 5000);
      expect(await lease.hold('SPY', 'me')).toBe(true);
      expect(await lease.hold('SPY', 'other')).toBe(false);
      await lease.release('SPY', 'me');
      const heard: QuoteEvent[] = [];
      bus.subscribe('SPY', (e) => heard.push(e));
      const quote = { symbol: 'SPY', price: 1, bid: 1, ask: 1, ts: 1, seq: 1 };
      await waitFor('a quote heard on the bus', async () => {
        await bus.publish(quote);
        return heard.length > 0;
      });
      expect(heard[0]!.quote).toEqual(quote);
    } finally {
      await bus.close();
      await redis.close();
    }
    expect(await refusals(primary.port, USER.services)).toEqual([]);
  });
});

describe('the operator as hg-operator', () => {
  const pod = (name: string, port: number): RedisPod => ({
    name,
    host: '127.0.0.1',
    port,
    ready: true,
    deleting: false,
    labelledPrimary: false,
    process: name,
  });

  it('health-checks, fences, switches over with FAILOVER and promotes with REPLICAOF NO ONE and the epoch', async () => {
    await Promise.all([resetLog(primary.port), resetLog(replica.port)]);
    const auth = redisAuthFromEnv({ REDIS_USERNAME: USER.operator, REDIS_PASSWORD: chart.passwords.operator });
    const admin = createRedisAdmin({ clock: systemClock, timeoutMs: 500, failoverTimeoutMs: 5000, ...auth });
    const [p0, p1] = [pod('redis-0', primary.port), pod('redis-1', replica.port)];
    const fence = { minReplicasToWrite: 0, maxLagSeconds: 1, pingPeriodSeconds: 1 };
    try {
      const probes = await Promise.all([admin.probe(p0), admin.probe(p1)]);
      expect(probes.map((p) => (p.ok ? p.info.role : p.error))).toEqual(['master', 'replica']);
      await admin.setFence(p0, fence);
      await admin.failover(p0, p1, 2);
      expect((await roleOf(chart, replica.port)).role).toBe('master');
      await waitFor('redis-0 following redis-1', async () => (await roleOf(chart, primary.port)).masterPort === replica.port);
      // Back, unplanned: promote redis-0 with its epoch and fence in one MULTI, then re-point redis-1.
      await admin.replicaOfNoOne(p0, { epoch: 3, fence });
      await admin.replicaOf(p1, p0);
      expect(await roleOf(chart, primary.port)).toEqual({ role: 'master', masterPort: 0 });
      expect(await withUser(chart, 'operator', primary.port, (c) => c.get('hg:epoch'))).toBe('3');
      await waitFor('redis-1 following redis-0 again', async () => (await roleOf(chart, replica.port)).masterPort === primary.port);
    } finally {
      await admin.close();
    }
    expect([...(await refusals(primary.port, USER.operator)), ...(await refusals(replica.port, USER.operator))]).toEqual([]);
  });
});
