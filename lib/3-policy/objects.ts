/** Shapes of the objects the CachePolicy controller reads and writes (the fields it uses). */
import type { KubeObject } from '../2-kube/resources.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface CachePolicyStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  configMap?: string;
  targets?: { desired: number; applied: number };
  /** Owned by the failover controller; the policy controller only reads it (into the rendering). */
  redis?: {
    primary?: string;
    lastPromotion?: string;
    promotions?: number;
    failover?: Record<string, unknown>;
    /** spec.redis.mode cluster: what the operator observed (operator/failover/cluster-judge.ts ClusterStatus). */
    cluster?: { reason?: string; message?: string; [k: string]: unknown };
  };
  hotKeys?: string[];
}

export interface CachePolicyObject extends KubeObject {
  spec: {
    targetRef: { kind: 'Deployment' | 'StatefulSet'; name: string };
    redis?: { statefulSetRef?: { name: string }; mode?: 'standalone' | 'cluster' };
    [k: string]: unknown;
  };
  status?: CachePolicyStatus;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

export interface WorkloadObject extends KubeObject {
  spec: { replicas?: number; selector: LabelSelector };
  status?: { readyReplicas?: number; replicas?: number };
}

export interface PodObject extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; containerID?: string; state?: { running?: object } }>;
  };
}

export interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}
