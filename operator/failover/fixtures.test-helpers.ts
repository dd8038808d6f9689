/** Fixtures for the failover unit tests, built with modifier functions (cert-manager style). */
import type { ReplicationInfo } from './replication-info.js';
import type { Health, PodHealth, RedisPod, World } from './world.js';

type Mod<T> = (t: T) => T;

export function pod(name: string, ...mods: Mod<RedisPod>[]): RedisPod {
  const port = 7000 + Number(name.replace(/\D/g, '') || 0);
  const base: RedisPod = { name, host: '127.0.0.1', port, ready: true, deleting: false, labelledPrimary: false, process: `${name}/1` };
  return mods.reduce((p, m) => m(p), base);
}
export const labelled: Mod<RedisPod> = (p) => ({ ...p, labelledPrimary: true });
export const notReady: Mod<RedisPod> = (p) => ({ ...p, ready: false });
/** kill -9: the kubelet reports the pod NotReady and its container no longer running. */
export const dead: Mod<RedisPod> = (p) => ({ ...p, ready: false, process: null });
/** The kubelet restarted the container: a new process, NotReady until it answers. */
export const restarted: Mod<RedisPod> = (p) => ({ ...p, ready: false, process: `${p.name}/2` });
export const deleting: Mod<RedisPod> = (p) => ({ ...p, deleting: true });

export function master(over: Partial<ReplicationInfo> = {}): ReplicationInfo {
  return { role: 'master', runId: 'run-m', offset: 1000, priority: 100, master: null, onlineReplicas: [], failoverState: 'no-failover', keys: 500, ...over };
}
export function replicaOf(p: RedisPod, over: Partial<ReplicationInfo> = {}): ReplicationInfo {
  return {
    role: 'replica',
    runId: `run-${p.name}`,
    offset: 900,
    priority: 100,
    master: { host: p.host, port: p.port, linkUp: true, lastIoSeconds: 0, neverSynced: false },
    onlineReplicas: [],
    failoverState: 'no-failover',
    keys: 500,
    ...over,
  };
}

/** The replica lost its link to `p` (kill -9 of `p`, or a partition the TCP stack noticed). */
export function linkDown(p: RedisPod, over: Partial<ReplicationInfo> = {}): ReplicationInfo {
  return replicaOf(p, { master: { host: p.host, port: p.port, linkUp: false, lastIoSeconds: null, neverSynced: false }, ...over });
}
/** The replica's link looks up, but it has heard nothing from `p` for `seconds` (a stall or a silent partition). */
export function silentFor(p: RedisPod, seconds: number, over: Partial<ReplicationInfo> = {}): ReplicationInfo {
  return replicaOf(p, { master: { host: p.host, port: p.port, linkUp: true, lastIoSeconds: seconds, neverSynced: false }, ...over });
}

/** A primary with `replicas` connected and online (the fence counts them). */
export function masterWith(...replicas: RedisPod[]): ReplicationInfo {
  return master({ onlineReplicas: replicas.map((r) => ({ host: r.host, port: r.port })) });
}

export function up(p: RedisPod, info: ReplicationInfo): PodHealth {
  return { pod: p, present: true, reachable: true, info, consecutiveFailures: 0, failingSince: null, hung: false, answeredAs: p.process };
}
/** Failing checks since `since`; it last answered as its first process (`pod()`'s). */
export function down(p: RedisPod, info: ReplicationInfo | null, since: number, failures = 3): PodHealth {
  return { pod: p, present: true, reachable: false, info, consecutiveFailures: failures, failingSince: since, hung: false, answeredAs: `${p.name}/1` };
}
/** Stalled (SIGSTOP) or busy: the port accepts connections, Redis answers nothing. */
export function hung(p: RedisPod, info: ReplicationInfo | null, since: number, failures = 3): PodHealth {
  return { ...down(p, info, since, failures), hung: true };
}
export function health(...hs: PodHealth[]): Health {
  return new Map(hs.map((h) => [h.pod.name, h]));
}
export function world(h: Health, published: { primary: string | null; epoch: number } = { primary: null, epoch: 0 }): World {
  return { health: h, published };
}
