import type { Cluster } from 'ioredis';
import { afterAll } from 'vitest';
import { silentLogger } from '../../1-ground/log.js';
import { waitFor } from '../../../testkit/process.js';
import { startRedisCluster, type RedisClusterServer } from '../../../testkit/redis-cluster.js';
import { fillChannel } from '../lease/keys.js';
import { l2DriverContract } from './driver-contract.test-helpers.js';
import { createRedisClusterClient } from './redis-client.js';
import { RedisDriver } from './redis-driver.js';

// The same contract as on one redis-server, on a real Redis Cluster of 3 primaries and 3
// replicas: every script must touch one slot (no CROSSSLOT), the copies and the sharded
// announcements go beside it. One cluster serves the cases (flushed between them); the case
// that stops it gets a new one for the cases after it.
let cluster: RedisClusterServer | null = null;
afterAll(async () => {
  await cluster?.stop();
});

async function ready(c: Cluster): Promise<Cluster> {
  await waitFor('the cluster client', () => Promise.resolve(c.status === 'ready'), 20_000);
  return c;
}

l2DriverContract(
  'Redis Cluster (3 primaries, 3 replicas)',
  async () => {
    cluster ??= await startRedisCluster();
    const server = cluster;
    const clients: Cluster[] = [];
    const client = async () => {
      const c = createRedisClusterClient(server.seeds);
      c.on('error', () => undefined); // one case stops the cluster
      clients.push(c);
      return ready(c);
    };
    const admin = await client();
    await Promise.all(admin.nodes('master').map((n) => n.flushall()));
    return {
      connect: async () => new RedisDriver(await client(), fillChannel('contract'), silentLogger),
      elapse: (ms) => new Promise((r) => setTimeout(r, ms)),
      raiseEpoch: () => Promise.reject(new Error('a Redis Cluster has no operator epoch')),
      stop: async () => {
        cluster = null;
        await server.stop();
        // A cluster client learns that its nodes are gone from a command that fails.
        const noticed = (c: Cluster) => c.ping().then(() => false, () => true);
        await waitFor('the clients to notice', async () => (await Promise.all(clients.map(noticed))).every(Boolean));
      },
      close: () => {
        for (const c of clients) c.disconnect();
        return Promise.resolve();
      },
    };
  },
  { epochs: false },
);
