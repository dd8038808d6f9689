/** In-memory seams for the cluster watch tests: what it reported, the warmups it asked for, its Events. */
import type { WarmupRequest } from '../../lib/3-policy/warmup.js';
import type { ClusterStatus } from './cluster-judge.js';
import type { ClusterSeams } from './cluster-watch.js';
import type { RedisPod } from './world.js';

export class MemoryClusterSeams implements ClusterSeams {
  reports: ClusterStatus[] = [];
  warmups: WarmupRequest[] = [];
  events: Array<{ type: string; reason: string; message: string }> = [];

  constructor(public nodes: RedisPod[]) {}

  pods = () => Promise.resolve(this.nodes);
  reportCluster = (s: ClusterStatus, warmup?: WarmupRequest) => {
    this.reports.push(s);
    if (warmup) this.warmups.push(warmup);
    return Promise.resolve();
  };
  event = (type: 'Normal' | 'Warning', reason: string, message: string) => {
    this.events.push({ type, reason, message });
  };
  ensureLeading = () => Promise.resolve();
}

/** A cluster node as Kubernetes would report its pod. */
export const clusterPod = (name: string, host: string, port: number): RedisPod => ({
  name,
  host,
  port,
  ready: true,
  deleting: false,
  labelledPrimary: false,
  process: name,
});
