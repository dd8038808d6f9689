/**
 * `herdguard/kubernetes`: the live policy from the operator's rendered ConfigMap, through an
 * API watch, and the report of what this pod did with each generation. Credentials come from
 * $KUBECONFIG, ~/.kube/config or the pod's service account; only a kubeconfig user with an
 * exec or auth-provider plugin needs the optional peer @kubernetes/client-node.
 */
export {
  KubePolicySource,
  kubePolicySourceFactory,
  parseConfigMapRef,
  podReporterFactory,
  type KubePolicySourceOptions,
  type KubeSourceEnv,
} from './4-cache/sources/kube-source.js';
export { podReporter, reportToPod, type PodRef } from './4-cache/sources/pod-report.js';
export type { KubeClient } from './2-kube/client.js';
