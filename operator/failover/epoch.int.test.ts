/**
 * Lease tokens carry the failover epoch of the node that issued them. A real promotion:
 * the replica lags, the primary dies with writes the replica never got, and the operator's
 * admin client promotes the replica (REPLICAOF NO ONE + epoch in one MULTI). The replica
 * holds a copy of a lease taken before the promotion: the very token its holder still has.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { systemClock } from '../../lib/1-ground/clock.js';
import { createRedisAdmin } from './redis-admin.js';
import { createCache, type Cache } from '../../lib/4-cache/index.js';
import { createRedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { gate, metricValue } from '../../testkit/cache/metrics.js';
import { testPolicy } from '../../testkit/cache/policy.js';
import { ready } from '../../testkit/cache/redis-fixture.js';
import { tokenEpoch } from '../../lib/4-cache/lease/tokens.js';
import { EPOCH_KEY, leaseKey } from '../../lib/4-cache/lease/keys.js';

const servers: RedisServer[] = [];
const clients: Redis[] = [];
const caches: Cache[] = [];
afterEach(async () => {
  for (const c of caches.splice(0)) await c.close();
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) await s.stop(1000);
});

const connect = (s: RedisServer) => {
  const c = createRedisClient(s.url);
  c.on('error', () => undefined); // the primary is killed on purpose
  clients.push(c);
  return ready(c);
};
const plain = (s: RedisServer) => {
  const c = new Redis({ host: s.host, port: s.port, maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
};
const linkUp = async (r: Redis) => ((await r.call('INFO', 'replication')) as string).includes('master_link_status:up');
async function until(f: () => Promise<boolean>, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (await f()) return;
  throw new Error('condition never became true');
}

describe('lease tokens across a real promotion', () => {
  it('a token won before the promotion never writes after it, though the promoted replica holds that very token', async () => {
    const primary = await startRedis({ name: 'epoch-primary' });
    const replica = await startRedis({ name: 'epoch-replica', replicaOf: { host: primary.host, port: primary.port } });
    servers.push(primary, replica);
    const [p, r] = [plain(primary), plain(replica)];
    await until(() => linkUp(r));
    await p.set(EPOCH_KEY, '1'); // the epoch the operator published for the current primary
    const policy = testPolicy({ coalescing: { leaseTTL: '10s', waitTimeout: '5s' } });
    const registryA = new Registry();
    const a = createCache({ service: 't', redis: await connect(primary), policy, registry: registryA });
    const b = createCache({ service: 't', redis: await connect(primary), policy });
    caches.push(a, b);

    // A wins the lease at epoch 1 and computes slowly; its lease reaches the replica.
    const started = gate();
    const release = gate<string>();
    const slow = a.get('k:1', () => {
      started.open();
      return release.promise;
    });
    await started.promise;
    await p.call('WAIT', '1', '1000');
    const tokenA = await r.get(leaseKey('k:1'));
    expect(tokenA).not.toBeNull();
    expect(tokenEpoch(tokenA!)).toBe(1);

    // The replica lags (its stream cut: it follows a node that is not there), B's newer value
    // lands on the primary only, and the primary dies.
    const admin = createRedisAdmin({ clock: systemClock, timeoutMs: 500 });
    const pod = (s: RedisServer, name: string) => ({ name, host: s.host, port: s.port, ready: true, deleting: false, labelledPrimary: false, process: 'running' });
    await admin.replicaOf(pod(replica, 'epoch-replica'), pod({ ...replica, port: 1 }, 'nowhere'));
    expect(await b.write('k:1', () => Promise.resolve('new'))).toBe('new');
    await primary.kill();

    await admin.replicaOfNoOne(pod(replica, 'epoch-replica'), { epoch: 2, fence: { minReplicasToWrite: 0, maxLagSeconds: 1, pingPeriodSeconds: 1 } });
    await admin.close();
    // The counter rewound: the new primary holds A's lease, not B's write.
    expect(await r.get(EPOCH_KEY)).toBe('2');
    expect(await r.get(leaseKey('k:1'))).toBe(tokenA);
    expect(await r.get('k:1')).toBeNull();

    // A follows the new primary and finishes: its pre-promotion token must not win.
    a.setRedis(await connect(replica));
    release.open('old');
    expect(await slow).toBe('old'); // A's own caller asked before the newer value existed
    expect(await r.get('k:1')).toBeNull();
    expect(await metricValue(registryA, 'herdguard_cache_fenced_writes_rejected_total')).toBe(1);

    // The stale lease copy does not block the next reader for a whole leaseTTL: it takes the lease at once.
    const c = createCache({ service: 't', redis: await connect(replica), policy });
    caches.push(c);
    const t0 = performance.now();
    expect(await c.get('k:1', () => Promise.resolve('from origin'))).toBe('from origin');
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(tokenEpoch((JSON.parse((await r.get('k:1'))!) as { f: string }).f)).toBe(2);
  });
});
