import type { Redis } from 'ioredis';
import { silentLogger } from '../../1-ground/log.js';
import { startRedis } from '../../../testkit/redis.js';
import { waitFor } from '../../../testkit/process.js';
import { ready } from '../../../testkit/cache/redis-fixture.js';
import { EPOCH_KEY, fillChannel } from '../lease/keys.js';
import { l2DriverContract } from './driver-contract.test-helpers.js';
import { createRedisClient } from './redis-client.js';
import { RedisDriver } from './redis-driver.js';

// A redis-server per case: one case stops it, and no case sees another's keys or epoch.
l2DriverContract('Redis (a real redis-server)', async () => {
  const server = await startRedis();
  const clients: Redis[] = [];
  const client = async () => {
    const c = createRedisClient(server.url); // configured as in production: fail fast
    c.on('error', () => undefined); // one case stops the server
    clients.push(c);
    return ready(c);
  };
  const admin = await client();
  return {
    connect: async () => new RedisDriver(await client(), fillChannel('contract'), silentLogger),
    elapse: (ms) => new Promise((r) => setTimeout(r, ms)),
    raiseEpoch: async (epoch) => void (await admin.set(EPOCH_KEY, String(epoch))),
    stop: async () => {
      await server.stop();
      await waitFor('the clients to notice', () =>
        Promise.resolve(clients.every((c) => c.status !== 'ready')),
      );
    },
    close: async () => {
      for (const c of clients) c.disconnect();
      await server.stop();
    },
  };
});
