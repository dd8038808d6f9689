/**
 * Where the real single node lives and how it is addressed. Every address is on this
 * machine: the node's IP is the gateway of its own pod bridge, so the API server, the
 * kubelet and kube-proxy's node ports are reached over loopback routing or that bridge,
 * and nothing is routed out of the machine.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const NODE_NAME = 'herdguard-node';
export const BRIDGE = 'hg0';
export const POD_CIDR = '10.244.0.0/24';
/** The bridge's own address: the pods' gateway and the node's InternalIP. */
export const NODE_IP = '10.244.0.1';
export const SERVICE_CIDR = '10.96.0.0/16';
/** The first address of SERVICE_CIDR: the `kubernetes` Service. */
export const API_SERVICE_IP = '10.96.0.1';
export const DNS_SERVICE_IP = '10.96.0.10';
export const API_PORT = 6443;
export const CLUSTER_DOMAIN = 'cluster.local';
export const CNI_NETWORK = 'herdguard';
export const CNI_BIN_DIR = '/usr/lib/cni';

/** The processes of the node, in start order; `down` stops them in reverse. */
export const COMPONENTS = [
  'etcd',
  'kube-apiserver',
  'containerd',
  'kube-controller-manager',
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
] as const;
export type Component = (typeof COMPONENTS)[number];

export interface NodeLayout {
  readonly dir: string;
  readonly pki: string;
  readonly logs: string;
  readonly run: string;
  readonly etcdData: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSocket: string;
  readonly cniConfDir: string;
  readonly cniIpamDir: string;
  readonly kubeletRoot: string;
  readonly kubeletPodLogs: string;
  readonly kubeconfigs: string;
  /** The admin kubeconfig `env` prints. */
  readonly adminKubeconfig: string;
  readonly auditLog: string;
  readonly server: string;
}

export function nodeLayout(dir = process.env['HERDGUARD_NODE_DIR'] ?? join(homedir(), '.cache/herdguard/node')): NodeLayout {
  const p = (...parts: string[]) => join(dir, ...parts);
  return {
    dir,
    pki: p('pki'),
    logs: p('logs'),
    run: p('run'),
    etcdData: p('etcd'),
    containerdRoot: p('containerd/root'),
    containerdState: p('containerd/state'),
    containerdSocket: p('containerd/containerd.sock'),
    cniConfDir: p('cni/net.d'),
    cniIpamDir: p('cni/ipam'),
    kubeletRoot: p('kubelet/root'),
    kubeletPodLogs: p('kubelet/pod-logs'),
    kubeconfigs: p('kubeconfigs'),
    adminKubeconfig: p('kubeconfigs/admin.conf'),
    auditLog: p('logs/audit.log'),
    server: `https://${NODE_IP}:${API_PORT}`,
  };
}
