/**
 * The watch of one Redis Cluster (spec.redis.mode: cluster), in place of a failover brain.
 * Redis Cluster fails over by itself, so the watch never promotes: it holds no admin client
 * that could (no REPLICAOF, no label move, no epoch). Every checkInterval it probes each pod,
 * judges the cluster purely (cluster-judge.ts), writes the status when it changed, and asks
 * the services to warm after a primary came back cold.
 */
import type { Clock } from '../../lib/1-ground/clock.js';
import type { WarmupRequest } from '../../lib/3-policy/warmup.js';
import { EventReason } from '../reasons.js';
import type { FailoverConfig } from './brain.js';
import { warmupRequest } from './cold.js';
import { coldPrimaries, judgeCluster, remember, type ClusterProbe, type ClusterStatus, type Seen } from './cluster-judge.js';
import type { ClusterProber } from './cluster-probe.js';
import type { FailoverMetrics } from './metrics.js';
import type { RedisPod } from './world.js';

/** Side effects outside Redis, supplied by the controller (Kubernetes) or by a test. */
export interface ClusterSeams {
  /** The StatefulSet's Redis pods as Kubernetes reports them. */
  pods(): Promise<RedisPod[]>;
  /** Writes `status.redis.cluster` of every policy of this Redis, and the warmup request after a cold start. */
  reportCluster(status: ClusterStatus, warmup?: WarmupRequest): Promise<void>;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** Throws NotLeaderError once this operator may no longer hold its Lease. */
  ensureLeading(): Promise<void>;
}

export type ClusterWatchConfig = Pick<FailoverConfig, 'redis' | 'warmup' | 'instances'>;

export interface ClusterWatchOptions {
  readonly config: ClusterWatchConfig;
  readonly prober: ClusterProber;
  readonly seams: ClusterSeams;
  readonly clock: Pick<Clock, 'now'>;
  readonly newId: () => string;
  readonly metrics?: FailoverMetrics;
}

export class ClusterWatch {
  private config: ClusterWatchConfig;
  /** Each pod's last answer, for cold-start detection; in memory like the brain's key count (it changes every tick). */
  private seen: Seen = new Map();
  /** The status last written, so an unchanged cluster costs no API write. */
  private reported: string | null = null;

  constructor(private readonly o: ClusterWatchOptions) {
    this.config = o.config;
  }

  reconfigure(c: ClusterWatchConfig): void {
    this.config = c;
  }

  /** A new leadership term: the status is written again once, whatever this replica wrote in an earlier term. */
  forget(): void {
    this.reported = null;
  }

  /** One probe-judge-report round. Public so tests drive it step by step. */
  async tick(): Promise<ClusterStatus> {
    const pods = await this.o.seams.pods();
    this.o.prober.retain(pods);
    const probes = new Map(await Promise.all(pods.map(async (p): Promise<[string, ClusterProbe]> => [p.name, await this.o.prober.probe(p)])));
    const status = judgeCluster(pods, probes);
    const cold = coldPrimaries(this.seen, probes);
    this.seen = remember(this.seen, pods, probes);
    this.observe(status, probes);
    const warmup = cold.length > 0 && this.config.warmup.onColdRedis ? warmupRequest(this.config.warmup, this.config.instances, this.o.newId(), this.o.clock.now()) : undefined;
    const key = JSON.stringify(status);
    if (key === this.reported && !warmup) return status;
    await this.o.seams.ensureLeading();
    await this.o.seams.reportCluster(status, warmup);
    this.reported = key;
    if (warmup) {
      const which = cold.map((c) => `${c.pod} (${c.before} keys before)`).join(', ');
      this.o.seams.event('Warning', EventReason.ColdRedis, `redis cluster ${this.config.redis}: ${which} restarted empty: warmup ${warmup.id} requested`);
    }
    return status;
  }

  private observe(status: ClusterStatus, probes: ReadonlyMap<string, ClusterProbe>): void {
    const m = this.o.metrics;
    if (!m) return;
    m.clusterState(this.config.redis, status.reason);
    let keys = 0;
    for (const p of probes.values()) if (p.ok && p.answer.node.role === 'master') keys += p.answer.node.keys;
    m.keys(this.config.redis, keys);
  }

}
