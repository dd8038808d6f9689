/**
 * The seam every controller plugs into (the CachePolicy controller here; the Redis
 * failover controller later): declare informers and handlers in setup(), list every key
 * for a full pass when this replica becomes leader, reconcile one key at a time.
 */
import type { Logger } from '../lib/1-ground/log.js';
import type { labelValues } from '../lib/1-ground/metric-names.js';
import type { KubeClient } from '../lib/2-kube/client.js';
import type { Clock } from '../lib/1-ground/clock.js';
import type { EventRecorder } from '../lib/2-kube/events.js';
import type { Informer } from '../lib/2-kube/informer.js';
import type { KubeObject, Resource } from '../lib/2-kube/resources.js';

export interface SetupContext {
  /** A shared informer (one per resource and selector across all controllers). */
  informer<T extends KubeObject>(res: Resource, opts?: { labelSelector?: string }): Informer<T>;
  /** Queues a key of this controller; ignored while this replica is not the leader. */
  enqueue(key: string): void;
}

export interface ReconcileContext {
  readonly client: KubeClient;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: EventRecorder;
}

/** Bounded `result` label of herdguard_operator_reconcile_total, spelled once in the metric contract. */
export type ReconcileResult = (typeof labelValues.reconcileResult)[number];

export interface ReconcileOutcome {
  readonly result: Exclude<ReconcileResult, 'error'>;
  readonly requeueAfterMs?: number;
}

export interface Controller {
  readonly name: string;
  readonly workers?: number;
  setup(ctx: SetupContext): void;
  allKeys(): string[];
  /** Throwing retries the key with backoff. */
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileOutcome>;
}
