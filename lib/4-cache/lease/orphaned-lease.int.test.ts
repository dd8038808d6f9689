import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../../testkit/redis.js';
import { createCache, type Cache } from '../index.js';
import { createRedisClient } from '../l2/redis-client.js';
import { testPolicy } from '../../../testkit/cache/policy.js';
import { ready } from '../../../testkit/cache/redis-fixture.js';
import { leaseKey } from './keys.js';

describe('leases stranded by a Redis promotion, against real redis-servers', () => {
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const caches: Cache[] = [];
  afterEach(async () => {
    for (const c of caches.splice(0)) await c.close();
    for (const c of clients.splice(0)) c.disconnect();
    await Promise.all(servers.splice(0).map((s) => s.stop(1000)));
  });
  const client = (s: RedisServer, prod = true) => {
    const c = prod ? createRedisClient(s.url) : new Redis(s.port, s.host);
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  it('a writer lease left on the demoted primary is released on the promoted replica, so the next writer does not wait a whole leaseTTL', async () => {
    const a = await startRedis({ name: 'old-primary' });
    const b = await startRedis({ name: 'replica', replicaOf: { host: a.host, port: a.port } });
    servers.push(a, b);
    const adminA = client(a, false);
    const adminB = client(b, false);
    const cache = createCache({
      service: 't',
      redis: await ready(client(a)),
      policy: testPolicy({ coalescing: { local: true, distributed: true, leaseTTL: '30s', waitTimeout: '2s' } }),
    });
    caches.push(cache);
    const written = await cache.write('k:x', async () => {
      // While the writer holds the lease (replicated to b), the roles swap: a FAILOVER's end state.
      while ((await adminB.get(leaseKey('k:x'))) === null) await sleep(5);
      await adminB.call('REPLICAOF', 'NO', 'ONE');
      await adminA.call('REPLICAOF', b.host, String(b.port));
      return 'v1';
    });
    // The write was answered (the origin has v1) but neither its value nor its release reached a primary.
    expect(written).toBe('v1');
    expect(await adminB.get(leaseKey('k:x'))).not.toBeNull();
    cache.setRedis(await ready(client(b)));
    await cache.close(); // waits for the retried release
    expect(await adminB.get(leaseKey('k:x'))).toBeNull();
  });
});
