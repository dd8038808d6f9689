/**
 * The node's configuration files, rendered purely from its layout so a unit test can read
 * them: containerd, the CNI bridge, kubelet, kube-proxy, the component kubeconfigs, the
 * audit policy, and CoreDNS. The facts each setting encodes are said beside it.
 */
import { join } from 'node:path';
import {
  API_PORT, BRIDGE, CLUSTER_DOMAIN, CNI_BIN_DIR, CNI_NETWORK, DNS_SERVICE_IP, NODE_IP, NODE_NAME, POD_CIDR, type NodeLayout,
} from './layout.js';

export const PAUSE_IMAGE = 'localhost/herdguard/pause:3.10';
export const COREDNS_IMAGE = 'localhost/herdguard/coredns:v1.12.4';
export const ETCD_CLIENT_PORT = 12379;
export const ETCD_PEER_PORT = 12380;
/** CoreDNS runs unprivileged, so it listens on a high port behind the Service's port 53. */
const COREDNS_PORT = 1053;

export function containerdConfig(l: NodeLayout): string {
  return `version = 2
root = "${l.containerdRoot}"
state = "${l.containerdState}"
[grpc]
  address = "${l.containerdSocket}"
[ttrpc]
  address = "${l.containerdSocket}.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${PAUSE_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Root here cannot lower oom_score_adj; without this every sandbox fails in runc create.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${l.cniConfDir}"
    max_conf_num = 1
[plugins."io.containerd.internal.v1.opt"]
  path = "${join(l.dir, 'containerd/opt')}"
`;
}

export function cniConflist(l: NodeLayout): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: CNI_NETWORK,
      plugins: [
        {
          type: 'bridge',
          bridge: BRIDGE,
          isGateway: true,
          // Pods reach only this machine; masquerading would matter only for traffic leaving it.
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: l.cniIpamDir,
            ranges: [[{ subnet: POD_CIDR, gateway: NODE_IP, rangeStart: '10.244.0.10' }]],
            routes: [{ dst: '0.0.0.0/0' }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
        { type: 'loopback' },
      ],
    },
    null,
    2,
  );
}

export function kubeletConfig(l: NodeLayout): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# cgroup v1 with the cgroupfs driver: accepted by 1.34 with a warning.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://${l.containerdSocket}
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${join(l.pki, 'ca.crt')}}
authorization: {mode: Webhook}
clusterDomain: ${CLUSTER_DOMAIN}
clusterDNS: ["${DNS_SERVICE_IP}"]
resolvConf: ${join(l.dir, 'kubelet/resolv.conf')}
address: ${NODE_IP}
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
# No nodeipam controller runs: the node's pod CIDR is fixed here.
podCIDR: ${POD_CIDR}
maxPods: 110
imageGCHighThresholdPercent: 100
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
podLogsDir: ${l.kubeletPodLogs}
`;
}

export function kubeProxyConfig(l: NodeLayout): string {
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${join(l.kubeconfigs, 'kube-proxy.conf')}}
mode: iptables
hostnameOverride: ${NODE_NAME}
bindAddress: ${NODE_IP}
clusterCIDR: ${POD_CIDR}
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# Node ports on the bridge address only, so kube-proxy leaves route_localnet alone.
nodePortAddresses: ["${NODE_IP}/32"]
# 0: leave the host's conntrack table settings as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {masqueradeAll: false, syncPeriod: 10s}
`;
}

export interface ClientIdentity {
  readonly cert: string;
  readonly key: string;
}

export function kubeconfig(l: NodeLayout, user: string, id: ClientIdentity, server = l.server): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: herdguard-node
  cluster: {server: "${server}", certificate-authority: "${join(l.pki, 'ca.crt')}"}
users:
- name: ${user}
  user: {client-certificate: "${id.cert}", client-key: "${id.key}"}
contexts:
- name: herdguard-node
  context: {cluster: herdguard-node, user: ${user}, namespace: default}
current-context: herdguard-node
`;
}

/** Metadata of every request, so a test can find any call RBAC refused (code 403). */
export function auditPolicy(): string {
  return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
`;
}

export function apiserverArgs(l: NodeLayout): string[] {
  const pki = (f: string) => join(l.pki, f);
  return [
    `--etcd-servers=http://127.0.0.1:${ETCD_CLIENT_PORT}`, `--secure-port=${API_PORT}`, `--bind-address=${NODE_IP}`,
    `--advertise-address=${NODE_IP}`, `--tls-cert-file=${pki('apiserver.crt')}`, `--tls-private-key-file=${pki('apiserver.key')}`,
    `--client-ca-file=${pki('ca.crt')}`, `--service-account-key-file=${pki('sa.pub')}`,
    `--service-account-signing-key-file=${pki('sa.key')}`, `--service-account-issuer=https://kubernetes.default.svc.${CLUSTER_DOMAIN}`,
    '--service-cluster-ip-range=10.96.0.0/16', '--authorization-mode=Node,RBAC', '--allow-privileged=true',
    '--enable-admission-plugins=NodeRestriction',
    `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`, `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
    // Otherwise logs/exec resolve the node's name through the host's resolver.
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    `--audit-policy-file=${join(l.dir, 'audit-policy.yaml')}`, `--audit-log-path=${l.auditLog}`,
    '--audit-log-maxsize=200', '--audit-log-maxbackup=1', '--profiling=false',
  ];
}

export function etcdArgs(l: NodeLayout): string[] {
  const client = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;
  const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
  return [
    '--name', NODE_NAME, '--data-dir', l.etcdData, '--listen-client-urls', client, '--advertise-client-urls', client,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `${NODE_NAME}=${peer}`,
    '--listen-metrics-urls', 'http://127.0.0.1:12381', '--unsafe-no-fsync', '--log-level', 'warn',
  ];
}

export function controllerManagerArgs(l: NodeLayout): string[] {
  const conf = join(l.kubeconfigs, 'kube-controller-manager.conf');
  return [
    `--kubeconfig=${conf}`, `--authentication-kubeconfig=${conf}`, `--authorization-kubeconfig=${conf}`,
    '--bind-address=127.0.0.1', '--secure-port=10257', '--leader-elect=false',
    `--service-account-private-key-file=${join(l.pki, 'sa.key')}`, `--root-ca-file=${join(l.pki, 'ca.crt')}`,
    '--use-service-account-credentials=true', '--service-cluster-ip-range=10.96.0.0/16',
    // The pod CIDR is fixed in the kubelet's config; no nodeipam controller allocates one.
    '--allocate-node-cidrs=false', '--controllers=*,-nodeipam',
  ];
}

export function schedulerArgs(l: NodeLayout): string[] {
  const conf = join(l.kubeconfigs, 'kube-scheduler.conf');
  return [
    `--kubeconfig=${conf}`, `--authentication-kubeconfig=${conf}`, `--authorization-kubeconfig=${conf}`,
    '--bind-address=127.0.0.1', '--secure-port=10259', '--leader-elect=false',
  ];
}

export function kubeletArgs(l: NodeLayout): string[] {
  return [
    `--config=${join(l.dir, 'kubelet/config.yaml')}`, `--kubeconfig=${join(l.kubeconfigs, 'kubelet.conf')}`,
    `--root-dir=${l.kubeletRoot}`, `--hostname-override=${NODE_NAME}`, `--node-ip=${NODE_IP}`,
    `--cert-dir=${join(l.dir, 'kubelet/pki')}`, '--v=1',
  ];
}

/** CoreDNS answers for the cluster domain only: no `forward`, so no query leaves the machine. */
export function corefile(): string {
  return `.:${COREDNS_PORT} {
    errors
    health :8080 {
        lameduck 2s
    }
    ready :8181
    kubernetes ${CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    # Negative answers kept 5 s, not 30: a StatefulSet pod's peers are asked by name while
    # they start, and a cached NXDOMAIN would hide them long after they exist.
    cache 30 {
        denial 9984 5
    }
    loop
    reload
}
`;
}
