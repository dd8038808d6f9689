/** Everything one reconcile looks at, gathered from the informer caches: no API reads. */
import type { CachePolicyObject, ConfigMapObject, PodObject, WorkloadObject } from '../../lib/3-policy/objects.js';

export interface PolicyInput {
  readonly policy: CachePolicyObject;
  readonly configMap: ConfigMapObject | undefined;
  readonly workload: WorkloadObject | undefined;
  /** Pods the workload's selector matches. */
  readonly pods: readonly PodObject[];
  readonly redis: WorkloadObject | undefined;
  /** Epoch ms, from the injected clock. */
  readonly now: number;
}
