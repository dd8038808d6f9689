/**
 * How a cluster is made: the one thing the `local` (the real node on this machine) and
 * `kind` providers do differently. Everything else, the Helm release and every scenario,
 * speaks to the Kubernetes API through the same ChartProvider.
 */
import type { Provider } from './provider.js';

export interface ClusterInfo {
  readonly provider: string;
  readonly nodeName: string;
  readonly kubeletVersion: string;
  readonly containerRuntime: string;
}

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface Cluster {
  readonly name: 'local' | 'kind';
  /** Makes the cluster (or reuses a running one), with herdguard's images on its node(s). */
  up(log: (m: string) => void): Promise<{ kubeconfigPath: string; kubectl: string }>;
  /** Takes the cluster down; only at the end of a run, not between scenarios. */
  down(log: (m: string) => void): Promise<void>;
  /** Helm values pointing the chart at the images this cluster holds. */
  imageValues(): Record<string, unknown>;
  /** argv that runs containerd's `ctr` in the k8s.io namespace on the node running `nodeName`. */
  ctr(nodeName: string): string[];
  /** argv that runs `nsenter` on the node running `nodeName` (to enter a pod's network namespace). */
  nsenter(nodeName: string): string[];
  /** An address on this machine that reaches port `port` of a pod (pod IPs on the node; a port-forward on kind). */
  reach(pod: { namespace: string; name: string; ip: string }, port: number): Promise<Endpoint>;
  /** Stops anything reach() started for a pod that is gone. */
  release(pod: { namespace: string; name: string }): void;
  /** The API server's audit log files (backup first), where this cluster keeps them readable; else none. */
  auditLogFiles(): string[];
}

/** The `cluster` field of every scenario's JSON, read from the Node object. */
export async function clusterInfo(provider: Provider, name: string): Promise<ClusterInfo> {
  const node = JSON.parse(await provider.kubectl(['get', 'nodes', '-o', 'json'])) as {
    items: { metadata: { name: string }; status: { nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string } } }[];
  };
  const first = node.items[0];
  if (!first) throw new Error('the cluster has no Node object');
  return {
    provider: name,
    nodeName: first.metadata.name,
    kubeletVersion: first.status.nodeInfo.kubeletVersion,
    containerRuntime: first.status.nodeInfo.containerRuntimeVersion,
  };
}
