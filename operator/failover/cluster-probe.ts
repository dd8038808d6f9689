/**
 * Probes the nodes of a Redis Cluster for the cluster watch: CLUSTER INFO, INFO server +
 * replication and DBSIZE, each node asked directly (a plain connection, not a cluster
 * client: the question is what that node sees). Read-only: nothing here changes a role.
 * One connection per pod (pod-connections.ts).
 */
import { parseClusterInfo } from './cluster-info.js';
import type { ClusterProbe } from './cluster-judge.js';
import { PodConnections, type PodConnectionOptions } from './pod-connections.js';
import { parseReplicationInfo } from './replication-info.js';
import type { RedisPod } from './world.js';

export interface ClusterProber {
  probe(pod: RedisPod): Promise<ClusterProbe>;
  /** Closes connections to pods no longer in the StatefulSet. */
  retain(pods: readonly RedisPod[]): void;
  close(): Promise<void>;
}

/** Budget of one probe (below the check interval, so probes never pile up) and the operator's ACL user. */
export type ClusterProberOptions = PodConnectionOptions;

export function createClusterProber(o: ClusterProberOptions): ClusterProber {
  const conns = new PodConnections(o);

  const probe = async (pod: RedisPod): Promise<ClusterProbe> => {
    try {
      const c = await conns.get(pod);
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
    retain: (pods) => conns.retain(pods),
    close: () => conns.close(),
  };
}
