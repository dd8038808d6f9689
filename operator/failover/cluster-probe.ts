/**
 * Probes the nodes of a Redis Cluster for the cluster watch: CLUSTER INFO, INFO server +
 * replication and DBSIZE, each node asked directly (a plain connection, not a cluster
 * client: the question is what that node sees). Read-only: nothing here changes a role.
 * Holds one connection per pod, bounded by the StatefulSet's pods.
 */
import { Redis } from 'ioredis';
import { parseClusterInfo } from './cluster-info.js';
import type { ClusterProbe } from './cluster-judge.js';
import { parseReplicationInfo } from './replication-info.js';
import type { RedisPod } from './world.js';

export interface ClusterProber {
  probe(pod: RedisPod): Promise<ClusterProbe>;
  /** Closes connections to pods no longer in the StatefulSet. */
  retain(pods: readonly RedisPod[]): void;
  close(): Promise<void>;
}

export interface ClusterProberOptions {
  /** Budget of one probe; below the check interval so probes never pile up. */
  readonly timeoutMs: number;
  /** The operator's ACL user; undefined: Redis's default user. */
  readonly username?: string;
  readonly password?: string;
}

export function createClusterProber(o: ClusterProberOptions): ClusterProber {
  const conns = new Map<string, { addr: string; client: Redis }>();

  const conn = (pod: RedisPod): Redis => {
    const addr = `${pod.host}:${pod.port}`;
    const have = conns.get(pod.name);
    if (have?.addr === addr && have.client.status !== 'end') return have.client;
    have?.client.disconnect();
    const client = new Redis({
      host: pod.host,
      port: pod.port,
      username: o.username,
      password: o.password,
      // Fail fast while down instead of queueing: a queued command would hide the outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: o.timeoutMs,
      commandTimeout: o.timeoutMs,
      enableReadyCheck: false,
      lazyConnect: true,
      // No reconnect timer: the next probe dials afresh, so a node that comes back is seen at once.
      retryStrategy: () => null,
    });
    client.on('error', () => undefined); // reported through probe results, not events
    conns.set(pod.name, { addr, client });
    return client;
  };

  const probe = async (pod: RedisPod): Promise<ClusterProbe> => {
    try {
      const c = conn(pod);
      if (c.status === 'wait') await c.connect();
      const [cluster, info, keys] = await Promise.all([
        c.call('CLUSTER', 'INFO') as Promise<string>,
        c.call('INFO', 'server', 'replication') as Promise<string>,
        c.dbsize(),
      ]);
      return { ok: true, answer: { cluster: parseClusterInfo(cluster), node: parseReplicationInfo(info, keys) } };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  };

  return {
    probe,
    retain: (pods) => {
      const keep = new Set(pods.map((p) => p.name));
      for (const [name, c] of conns) {
        if (keep.has(name)) continue;
        c.client.disconnect();
        conns.delete(name);
      }
    },
    close: async () => {
      const all = [...conns.values()];
      conns.clear();
      await Promise.all(all.map((c) => c.client.quit().catch(() => c.client.disconnect())));
    },
  };
}
