/**
 * A real Redis Cluster on loopback: 3 primaries and 3 replicas, each a redis-server started
 * with `--cluster-enabled yes`, joined with `redis-cli --cluster create`. Fast failure
 * detection (`cluster-node-timeout`) so a killed shard primary is replaced in seconds.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis, type Cluster } from 'ioredis';
import { createRedisClusterClient } from '../lib/4-cache/l2/redis-client.js';
import { freePort, waitFor } from './process.js';
import { startRedis, type RedisServer } from './redis.js';

const run = promisify(execFile);
export const REDIS_CLI = process.env['HERDGUARD_REDIS_CLI'] ?? '/usr/bin/redis-cli';
/** How long a node may be unreachable before the cluster fails it over. */
export const CLUSTER_NODE_TIMEOUT_MS = 1000;

export interface RedisClusterServer {
  readonly nodes: readonly RedisServer[];
  /** host:port of every node: the seed list a Cluster client starts from. */
  readonly seeds: ReadonlyArray<{ host: string; port: number }>;
  /** A client the way herdguard's services open one. The caller closes it. */
  client(): Cluster;
  /** The node serving `slot` as primary now. */
  primaryOf(slot: number): Promise<RedisServer>;
  stop(): Promise<void>;
}

async function clusterInfo(node: RedisServer): Promise<Record<string, string>> {
  const c = new Redis({ host: node.host, port: node.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const text = (await c.call('CLUSTER', 'INFO')) as string;
    return Object.fromEntries(text.split('\r\n').filter(Boolean).map((l) => l.split(':') as [string, string]));
  } finally {
    c.disconnect();
  }
}

export async function startRedisCluster(): Promise<RedisClusterServer> {
  const nodes = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => {
      const busPort = await freePort();
      return startRedis({
        name: `redis-cluster-${i}`,
        // Full coverage off, as a cache's cluster should run: while one shard fails over, the
        // others keep answering instead of CLUSTERDOWN for every key (ADR 0014).
        extraArgs: [
          '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT_MS),
          '--cluster-config-file', `nodes-${i}.conf`, '--cluster-require-full-coverage', 'no',
        ],
      });
    }),
  );
  try {
    await run(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 60_000 });
    await waitFor('redis cluster state ok on every node', async () => {
      const infos = await Promise.all(nodes.map(clusterInfo));
      return infos.every((i) => i['cluster_state'] === 'ok' && i['cluster_slots_ok'] === '16384');
    }, 60_000);
  } catch (err) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw err;
  }
  const seeds = nodes.map((n) => ({ host: n.host, port: n.port }));
  return {
    nodes,
    seeds,
    client: () => createRedisClusterClient(seeds),
    primaryOf: async (slot) => {
      for (const n of nodes) {
        if (n.child.exitCode !== null || n.child.signalCode !== null) continue;
        const c = new Redis({ host: n.host, port: n.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
        c.on('error', () => undefined);
        try {
          await c.connect();
          const slots = (await c.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]]]>;
          const range = slots.find(([from, to]) => slot >= from && slot <= to);
          const owner = range ? nodes.find((m) => m.port === Number(range[2][1])) : undefined;
          if (owner) return owner;
        } catch {
          // a node that cannot answer: ask the next
        } finally {
          c.disconnect();
        }
      }
      throw new Error(`no node names a primary for slot ${slot}`);
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}
