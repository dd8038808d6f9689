/**
 * The chart's Redis start script (rendered by helm, run by sh) against real redis-server
 * peers: which role a (re)starting pod takes. The pod runs as charts/tests/redis-pods.ts
 * sets it up (the chart's ACL users and password files); the peers are plain test Redis
 * servers (default user with PASSWORD) that also know the chart's probe and replication users.
 */
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Managed } from '../../testkit/process.js';
import { startRedis, type RedisServer } from '../../testkit/redis.js';
import { peerUserArgs, renderChartRedis, roleOf as chartRoleOf, startChartPod, type ChartRedis } from './redis-pods.js';

const PASSWORD = 'chart-test-pw';
let chart: ChartRedis;
let running: Managed[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop(1000)));
  running = [];
});

beforeAll(() => {
  chart = renderChartRedis();
});

const server = (opts: Parameters<typeof startRedis>[0] = {}) =>
  startRedis({ password: PASSWORD, extraArgs: peerUserArgs(chart), ...opts }).then((s) => {
    running.push(s);
    return s;
  });
const addr = (s: { host: string; port: number }) => `${s.host}:${s.port}`;

/** Runs start.sh as pod `redis-<ordinal>` with these peers; resolves once its Redis answers. */
async function startPod(ordinal: number, peers: string[]): Promise<{ port: number; conf: string; log: string }> {
  const pod = await startChartPod(chart, ordinal, peers);
  running.push(pod.proc);
  return pod;
}

const roleOf = (port: number) => chartRoleOf(chart, port);
const fill = (s: RedisServer, n: number) =>
  withAuth(s, async (c) => {
    for (let i = 0; i < n; i++) await c.set(`k${i}`, 'v');
  });
async function withAuth<T>(s: RedisServer, f: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ host: s.host, port: s.port, password: PASSWORD });
  try {
    return await f(c);
  } finally {
    c.disconnect();
  }
}

describe('chart Redis start script', () => {
  it('makes a restarted empty ordinal 0 replicate the peer that answers as primary, not start as a second one', async () => {
    const promoted = await server({ name: 'redis-1' });
    await fill(promoted, 10);
    const replica = await server({ name: 'redis-2', replicaOf: promoted });
    const pod = await startPod(0, [addr(promoted), addr(replica)]);
    expect(await roleOf(pod.port)).toEqual({ role: 'slave', masterPort: promoted.port });
    expect(pod.conf).toContain(`replicaof 127.0.0.1 ${promoted.port}`);
  });

  it('replicates the primary holding the most keys when two peers answer as primary', async () => {
    const empty = await server({ name: 'redis-1' });
    const full = await server({ name: 'redis-2' });
    await fill(full, 20);
    const pod = await startPod(0, [addr(empty), addr(full)]);
    expect(await roleOf(pod.port)).toEqual({ role: 'slave', masterPort: full.port });
  });

  it('replicates the replica with the largest offset when no peer answers as primary', async () => {
    const deadPrimary = await freePort();
    const lagging = await server({ name: 'redis-1', replicaOf: { host: '127.0.0.1', port: deadPrimary } });
    const pod = await startPod(0, [`127.0.0.1:${deadPrimary}`, addr(lagging)]);
    expect(await roleOf(pod.port)).toEqual({ role: 'slave', masterPort: lagging.port });
    expect(pod.log).toContain('no primary answers');
  });

  it('starts ordinal 0 as the bootstrap primary only when no peer answers at all', async () => {
    const pod = await startPod(0, [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`]);
    expect((await roleOf(pod.port)).role).toBe('master');
    expect(pod.conf).not.toMatch(/^replicaof /m);
  });

  it('makes another ordinal replicate ordinal 0 by its headless name when no peer answers', async () => {
    const pod = await startPod(1, [`127.0.0.1:${await freePort()}`]);
    expect((await roleOf(pod.port)).role).toBe('slave');
    expect(pod.conf).toContain('replicaof redis-0.redis-headless.shop.svc 6379');
  });

  it('ignores a peer that refuses the probe user, as if it did not answer', async () => {
    const stranger = await startRedis({ name: 'other', password: 'another-password' });
    running.push(stranger);
    const pod = await startPod(0, [addr(stranger)]);
    expect((await roleOf(pod.port)).role).toBe('master');
  });
});
