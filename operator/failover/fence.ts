/**
 * The old primary fences itself: Redis refuses writes (NOREPLICAS) while fewer than
 * `min-replicas-to-write` replicas have acknowledged within `min-replicas-max-lag` seconds.
 * With that minimum at a majority of the other pods, two primaries can never both write:
 * each would need its own majority. Pure: the brain applies the plan with CONFIG SET
 * (docs/adr/0006-redis-fencing.md).
 */
import type { Health } from './world.js';

export interface FenceSettings {
  readonly minReplicasToWrite: number;
  readonly maxLagSeconds: number;
  /** The primary pings its replicas this often, so a replica's silence means something within seconds, not the default 10. */
  readonly pingPeriodSeconds: number;
}

export interface FencePlan {
  readonly settings: FenceSettings;
  /**
   * True when the minimum is a majority of the StatefulSet (or it has one pod): an isolated
   * primary refuses writes within fenceBoundMs. False in survivor mode (every other pod
   * down or leaving), which the promotion quorum must know about.
   */
  readonly fenced: boolean;
}

/** Whole seconds (Redis's unit) of replica silence the primary tolerates: tied to detectAfter. */
export function fenceLagSeconds(detectAfterMs: number): number {
  return Math.max(1, Math.floor(detectAfterMs / 1000));
}

/**
 * Latest moment after its replicas went silent that a fenced primary refuses writes: the
 * lag counts whole seconds (+1) and Redis re-counts good replicas once a second (+1).
 * Measured on redis-server 7.0 with a lag of 1 s: 0.7-2.0 s (fence.int.test.ts).
 */
export function fenceBoundMs(detectAfterMs: number): number {
  return (fenceLagSeconds(detectAfterMs) + 2) * 1000;
}

/**
 * A replica that has heard nothing from its primary for this many whole seconds votes it
 * gone. At least the fence bound, so such a vote also means the old primary has fenced.
 */
export function replicaSilentSeconds(detectAfterMs: number): number {
  return fenceBoundMs(detectAfterMs) / 1000;
}

/**
 * The fence for `primary`: a majority of the other pods, counted among the replicas the
 * primary itself has online. With fewer online (a replica restarting, being deleted, or
 * still in its first sync) the minimum is what it has: raising it first would refuse writes
 * by the operator's own hand. Such a primary is *not fenced* (survivor mode): the record says
 * so, and the quorum will not promote over it while it may live (ADR 0006).
 */
export function fencePlan(health: Health, primary: string, detectAfterMs: number): FencePlan {
  const pods = [...health.values()].filter((h) => h.present || h.pod.name === primary);
  const majority = Math.floor(pods.length / 2);
  const leaving = new Set(pods.filter((h) => h.pod.deleting).map((h) => `${h.pod.host}:${h.pod.port}`));
  const online = (health.get(primary)?.info?.onlineReplicas ?? []).filter((r) => !leaving.has(`${r.host}:${r.port}`)).length;
  const min = Math.min(majority, online);
  return {
    settings: { minReplicasToWrite: min, maxLagSeconds: fenceLagSeconds(detectAfterMs), pingPeriodSeconds: 1 },
    fenced: min >= majority,
  };
}

/** Identifies settings applied to one Redis process: a restart (new run id) forgets CONFIG SET. */
export function fenceKey(runId: string, s: FenceSettings): string {
  return `${runId}/${s.minReplicasToWrite}/${s.maxLagSeconds}/${s.pingPeriodSeconds}`;
}
