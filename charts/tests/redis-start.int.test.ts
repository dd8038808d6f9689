/**
 * The chart's Redis start script (rendered by helm, run by sh) against real redis-server
 * peers: which role a (re)starting pod takes. REDIS_PEERS stands in for the headless
 * Service names, REDIS_PORT/REDIS_CONF/REDIS_DATA_DIR for the pod's fixed port and paths;
 * a PATH shim binds the real redis-server it execs to loopback.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../../e2e/local/process.js';
import { REDIS_SERVER, startRedis, type RedisServer } from '../../e2e/local/redis.js';
import { find, render } from './helm.js';

const PASSWORD = 'chart-test-pw';
let scriptDir: string;
let running: Managed[] = [];
afterEach(async () => {
  await Promise.all(running.map((p) => p.stop(1000)));
  running = [];
});

beforeAll(() => {
  const cm = find(render(), 'ConfigMap', 'hg-herdguard-redis-scripts');
  scriptDir = tempDir('chart-redis-start');
  writeFileSync(join(scriptDir, 'start.sh'), cm['data']['start.sh'] as string);
  writeFileSync(join(scriptDir, 'redis-server'), `#!/bin/sh\nexec ${REDIS_SERVER} "$@" --bind 127.0.0.1\n`);
  chmodSync(join(scriptDir, 'redis-server'), 0o755);
});

const server = (opts: Parameters<typeof startRedis>[0] = {}) =>
  startRedis({ password: PASSWORD, ...opts }).then((s) => {
    running.push(s);
    return s;
  });
const addr = (s: { host: string; port: number }) => `${s.host}:${s.port}`;

/** Runs start.sh as pod `redis-<ordinal>` with these peers; resolves once its Redis answers. */
async function startPod(ordinal: number, peers: string[]): Promise<{ port: number; conf: string; log: string }> {
  const port = await freePort();
  const dir = tempDir(`chart-redis-${ordinal}`);
  const conf = join(dir, 'redis.conf');
  const proc = startProcess(`start-sh-${ordinal}`, 'sh', [join(scriptDir, 'start.sh')], {
    logDir: dir,
    env: {
      PATH: `${scriptDir}:${process.env['PATH'] ?? ''}`,
      HOSTNAME: `redis-${ordinal}`,
      STATEFULSET: 'redis',
      HEADLESS_HOST: 'redis-headless.shop.svc',
      REDIS_REPLICAS: '3',
      REDIS_PASSWORD: PASSWORD,
      POD_IP: '127.0.0.1',
      REDIS_MAXMEMORY: '64mb',
      REDIS_MAXMEMORY_POLICY: 'allkeys-lru',
      REDIS_APPENDONLY: 'no',
      REDIS_PORT: String(port),
      REDIS_CONF: conf,
      REDIS_PEERS: peers.join(' '),
      REDIS_DATA_DIR: dir,
    },
  });
  running.push(proc);
  await waitFor(`start.sh of redis-${ordinal}`, async () => {
    if (proc.child.exitCode !== null) throw new Error(`start.sh exited ${proc.child.exitCode}: ${readFileSync(proc.logFile, 'utf8')}`);
    return (await replication({ host: '127.0.0.1', port }).catch(() => '')) !== '';
  });
  return { port, conf: readFileSync(conf, 'utf8'), log: readFileSync(proc.logFile, 'utf8') };
}

async function replication(s: { host: string; port: number }): Promise<string> {
  const c = new Redis({ ...s, password: PASSWORD, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.call('INFO', 'replication')) as string;
  } finally {
    c.disconnect();
  }
}
const roleOf = async (port: number) => {
  const info = await replication({ host: '127.0.0.1', port });
  return { role: /role:(\w+)/.exec(info)?.[1], masterPort: Number(/master_port:(\d+)/.exec(info)?.[1] ?? 0) };
};
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
    expect(pod.conf).not.toContain('replicaof');
  });

  it('makes another ordinal replicate ordinal 0 by its headless name when no peer answers', async () => {
    const pod = await startPod(1, [`127.0.0.1:${await freePort()}`]);
    expect((await roleOf(pod.port)).role).toBe('slave');
    expect(pod.conf).toContain('replicaof redis-0.redis-headless.shop.svc 6379');
  });

  it('ignores a peer that refuses the password, as if it did not answer', async () => {
    const stranger = await startRedis({ name: 'other', password: 'another-password' });
    running.push(stranger);
    const pod = await startPod(0, [addr(stranger)]);
    expect((await roleOf(pod.port)).role).toBe('master');
  });
});
