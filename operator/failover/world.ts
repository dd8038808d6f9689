/**
 * The failover brain's view of one Redis StatefulSet: the pods Kubernetes reports and
 * what each last answered to a health check. Everything the pure decisions read.
 */
import type { ReplicationInfo } from './replication-info.js';

/** One Redis pod as Kubernetes reports it (the local provider creates these objects). */
export interface RedisPod {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Pod Ready condition; false when NotReady. */
  readonly ready: boolean;
  /** deletionTimestamp is set: a planned stop (pod deletion, rolling update). */
  readonly deleting: boolean;
  /** Carries the role=primary label the primary Service selects on. */
  readonly labelledPrimary: boolean;
  /**
   * The Redis process Kubernetes reports running in the pod (its container ID), or null when
   * none runs. Only a changed or missing process proves the old one can no longer write:
   * NotReady alone does not (a stalled process is NotReady and wakes up a primary).
   */
  readonly process: string | null;
}

/** A failed check: `hung` when the port still accepts connections but Redis did not answer (stalled or busy, not dead or cut off). */
export type ProbeFailure = { readonly ok: false; readonly error: string; readonly hung: boolean };

export type Probe = { readonly ok: true; readonly info: ReplicationInfo } | ProbeFailure;

export interface PodHealth {
  readonly pod: RedisPod;
  /** False when the pod object is gone; kept only while it is the recorded primary. */
  readonly present: boolean;
  readonly reachable: boolean;
  /** The last good answer (kept while unreachable: the ranking uses the last known offset only of reachable pods). */
  readonly info: ReplicationInfo | null;
  readonly consecutiveFailures: number;
  /** When the current run of failed checks began; null while reachable. */
  readonly failingSince: number | null;
  /** The last failed check found the port accepting connections: the process lives but does not answer. */
  readonly hung: boolean;
  /** `pod.process` when it last answered: a different process since then means the one that answered is gone. */
  readonly answeredAs: string | null;
}

export type Health = ReadonlyMap<string, PodHealth>;

/** What has been published to the services (rendered policy) and recorded in status. */
export interface Published {
  readonly primary: string | null;
  readonly epoch: number;
}

export interface World {
  readonly health: Health;
  readonly published: Published;
}

export const address = (p: RedisPod): string => `${p.host}:${p.port}`;

/** True when `h` is a replica following `primary` (by address). */
export function follows(h: PodHealth, primary: RedisPod): boolean {
  const m = h.info?.master;
  return h.info?.role === 'replica' && m !== null && m !== undefined && m.host === primary.host && m.port === primary.port;
}

export const usable = (h: PodHealth | undefined): h is PodHealth => h !== undefined && h.present && h.reachable;

/**
 * The process that last answered as this pod can no longer take writes: the pod is gone, no
 * process runs in it, or Kubernetes runs a different one (restarted). Stalled, busy or cut
 * off processes do not qualify, whatever the Ready condition says.
 */
export function processGone(h: PodHealth): boolean {
  if (!h.present || h.pod.process === null) return true;
  return h.answeredAs !== null && h.pod.process !== h.answeredAs;
}
