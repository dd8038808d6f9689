/**
 * A real redis-server per test file, plus clients that the fixture closes: integration
 * tests call `useRedis()` at the top of a describe block.
 */
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startRedis, type RedisServer } from '../redis.js';
import { createRedisClient } from '../../lib/4-cache/l2/redis-client.js';

export interface RedisFixture {
  readonly server: () => RedisServer;
  /** A client configured like production (fail fast); closed after the test. */
  client(): Redis;
  /** A plain client for assertions; closed after the test. */
  admin(): Redis;
}

export function useRedis(): RedisFixture {
  let server: RedisServer | undefined;
  const clients: Redis[] = [];
  beforeAll(async () => {
    server = await startRedis();
  });
  afterEach(async () => {
    const admin = new Redis(server!.port, server!.host);
    await admin.flushall().catch(() => undefined);
    admin.disconnect();
    for (const c of clients.splice(0)) c.disconnect();
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await server?.stop();
  });
  const track = (c: Redis) => {
    c.on('error', () => undefined); // tests that stop Redis expect connection errors
    clients.push(c);
    return c;
  };
  return {
    server: () => server!,
    client: () => track(createRedisClient(server!.url)),
    admin: () => track(new Redis(server!.port, server!.host, { maxRetriesPerRequest: 1 })),
  };
}

/** Resolves once a fresh ioredis client reports ready. */
export async function ready(c: Redis): Promise<Redis> {
  if (c.status !== 'ready') await new Promise<void>((resolve) => c.once('ready', () => resolve()));
  return c;
}
