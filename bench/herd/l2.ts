/**
 * The herd lab's L2, one Redis or a Redis Cluster (`--l2 cluster`): flushing it between runs
 * and sampling the remaining TTLs of user keys, on every primary of a cluster.
 */
import { Cluster, Redis } from 'ioredis';
import { createRedisClusterClient, type RedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { waitFor } from '../../testkit/process.js';
import { startRedis } from '../../testkit/redis.js';
import { startRedisCluster, type RedisClusterServer } from '../../testkit/redis-cluster.js';
import { createRedisClient } from '../../example-app/profile/app.js';

export type L2Kind = 'standalone' | 'cluster';

/** The L2 of one herd run: what the fleet is told, and clients for the lab's own use. */
export interface HerdL2 {
  readonly kind: L2Kind;
  /** REDIS_URL (standalone; the peers' adapters need one too). */
  readonly url: string;
  /** Extra fleet environment: REDIS_CLUSTER_NODES on a cluster. */
  readonly fleetEnv: Readonly<Record<string, string>>;
  /** The lab's admin client (flush, TTL samples). */
  readonly admin: RedisClient;
  /** A client as the services open one. */
  readonly connect: () => RedisClient;
  /** A plain client for the hit-path microbench (no auto-pipelining on one Redis). */
  readonly connectPlain: () => RedisClient;
  readonly cluster?: RedisClusterServer;
  stop(): Promise<void>;
}

export async function startHerdL2(kind: L2Kind, logDir: string): Promise<HerdL2> {
  if (kind === 'standalone') {
    const server = await startRedis({ logDir });
    const admin = createRedisClient(server.url);
    return {
      kind, url: server.url, fleetEnv: {}, admin,
      connect: () => createRedisClient(server.url),
      connectPlain: () => new Redis(server.url, { maxRetriesPerRequest: 1 }),
      stop: async () => {
        admin.disconnect();
        await server.stop();
      },
    };
  }
  const cluster = await startRedisCluster();
  const connect = () => {
    const c = createRedisClusterClient(cluster.seeds);
    c.on('error', () => undefined);
    return c;
  };
  const admin = connect();
  await waitFor('the cluster admin client', () => Promise.resolve(admin.status === 'ready'), 20_000);
  return {
    kind,
    url: cluster.nodes[0]?.url as string,
    fleetEnv: { REDIS_CLUSTER_NODES: cluster.seeds.map((s) => `${s.host}:${s.port}`).join(',') },
    admin,
    connect,
    connectPlain: connect,
    cluster,
    stop: async () => {
      admin.disconnect();
      await cluster.stop();
    },
  };
}

const primaries = (r: RedisClient): Redis[] => (r instanceof Cluster ? r.nodes('master') : [r]);

export async function flushAll(r: RedisClient): Promise<void> {
  await Promise.all(primaries(r).map((n) => n.flushall()));
}

/** PTTLs of up to `n` user keys (one SCAN page per primary). */
export async function userKeyTtls(r: RedisClient, n: number): Promise<number[]> {
  const pages = await Promise.all(primaries(r).map(async (node) => {
    const [, keys] = await node.scan('0', 'MATCH', '*user:*', 'COUNT', 2000);
    const mine = keys.slice(0, Math.ceil(n / primaries(r).length));
    return Promise.all(mine.map((k) => node.pttl(k)));
  }));
  return pages.flat();
}
