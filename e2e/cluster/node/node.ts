/**
 * The real single node: etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
 * kubelet with containerd + runc, the CNI bridge, kube-proxy (iptables) and CoreDNS, all
 * on this machine. `up` is idempotent (a running node is reused; a half-up one is taken
 * down first); `down` leaves no process, mount, namespace, bridge or chain behind.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kubeBinDir } from '../../../testkit/control-plane/binaries.js';
import { pidAlive, spawnDetached, stopPid } from '../../../testkit/control-plane/detached.js';
import { kubectlAt } from '../../../testkit/control-plane/control-plane.js';
import {
  apiserverArgs, auditPolicy, cniConflist, containerdConfig, controllerManagerArgs, etcdArgs, kubeProxyConfig, kubeconfig,
  kubeletArgs, kubeletConfig, schedulerArgs,
} from './configs.js';
import { corednsManifest } from './coredns.js';
import {
  ensureBridge, leftovers, nodeProcesses, removeBridge, removeFilterChains, removeMountsAndNetns, restoreIpForward, run,
  saveIpForward,
} from './host.js';
import { buildImages, importImages, type BuiltImage } from './images.js';
import { COMPONENTS, DNS_SERVICE_IP, NODE_NAME, nodeLayout, type Component, type NodeLayout } from './layout.js';
import { ensureNodePki, identity, type ClientName } from './pki.js';

export interface NodeCluster {
  readonly layout: NodeLayout;
  readonly kubeconfigPath: string;
  /** Where kubectl and the other Kubernetes binaries are. */
  readonly binDir: string;
  readonly images: readonly BuiltImage[];
  kubectl(args: string[], input?: string): Promise<string>;
}

type Log = (msg: string) => void;

const pidFile = (l: NodeLayout, c: Component) => join(l.run, `${c}.pid`);
const running = (l: NodeLayout, c: Component) => existsSync(pidFile(l, c)) && pidAlive(Number(readFileSync(pidFile(l, c), 'utf8')));

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, l: NodeLayout): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s; logs are in ${l.logs}`);
}

function writeConfigs(l: NodeLayout): void {
  for (const d of [l.pki, l.logs, l.run, l.kubeconfigs, l.cniConfDir, join(l.dir, 'kubelet')]) mkdirSync(d, { recursive: true });
  ensureNodePki(l.pki);
  const files: Record<string, string> = {
    'containerd/config.toml': containerdConfig(l),
    'cni/net.d/10-herdguard.conflist': cniConflist(l),
    'kubelet/config.yaml': kubeletConfig(l),
    'kubelet/resolv.conf': 'nameserver 127.0.0.1\n',
    'kube-proxy.yaml': kubeProxyConfig(l),
    'audit-policy.yaml': auditPolicy(),
  };
  const users: Record<string, ClientName> = {
    'admin.conf': 'admin', 'kubelet.conf': 'kubelet', 'kube-proxy.conf': 'kube-proxy',
    'kube-controller-manager.conf': 'kube-controller-manager', 'kube-scheduler.conf': 'kube-scheduler',
  };
  for (const [file, user] of Object.entries(users)) files[`kubeconfigs/${file}`] = kubeconfig(l, user, identity(l.pki, user));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(l.dir, file, '..'), { recursive: true });
    writeFileSync(join(l.dir, file), text);
  }
}

function start(l: NodeLayout, bin: string, c: Component, args: string[]): void {
  spawnDetached(l.run, c, bin, args, l.logs);
}

export function isUp(l = nodeLayout()): boolean {
  return COMPONENTS.every((c) => running(l, c));
}

function cluster(l: NodeLayout, bin: string, images: readonly BuiltImage[]): NodeCluster {
  return { layout: l, kubeconfigPath: l.adminKubeconfig, binDir: bin, images, kubectl: (args, input) => kubectlAt(bin, l.adminKubeconfig, args, input) };
}

export async function up(log: Log, l = nodeLayout()): Promise<NodeCluster> {
  if (process.getuid?.() !== 0) throw new Error('the real node needs root (containerd, CNI, iptables); run as root');
  const bin = kubeBinDir();
  const missing = ['kubelet', 'kube-proxy', 'kube-scheduler', 'kube-controller-manager', 'coredns'].filter((b) => !existsSync(join(bin, b)));
  if (missing.length) throw new Error(`${missing.join(', ')} missing in ${bin}: run "bash scripts/ensure-kube-binaries.sh node"`);
  const images = await buildImages(log);
  if (isUp(l)) {
    log(`the node is already up (${l.dir}); importing images`);
    await importImages(l, images);
    // The node's own add-ons follow the tree (CoreDNS reloads its Corefile by itself).
    await kubectlAt(bin, l.adminKubeconfig, ['apply', '-f', '-'], corednsManifest());
    return cluster(l, bin, images);
  }
  if (COMPONENTS.some((c) => running(l, c)) || nodeProcesses(l).length) {
    log('a previous node is half up: taking it down first');
    await down(log, l);
  }
  const t0 = Date.now();
  // A fresh cluster every time: no state of an earlier run can leak into this one.
  for (const d of [l.etcdData, l.kubeletRoot, l.cniIpamDir, l.containerdRoot, l.containerdState, join(l.dir, 'kubelet/pki')]) {
    rmSync(d, { recursive: true, force: true });
  }
  writeConfigs(l);
  saveIpForward(l);
  await ensureBridge();
  const k = (args: string[]) => kubectlAt(bin, l.adminKubeconfig, args);
  start(l, join(bin, 'etcd'), 'etcd', etcdArgs(l));
  start(l, join(bin, 'kube-apiserver'), 'kube-apiserver', apiserverArgs(l));
  start(l, 'containerd', 'containerd', ['--config', join(l.dir, 'containerd/config.toml')]);
  await waitUntil('containerd', () => Promise.resolve(existsSync(l.containerdSocket)), 30_000, l);
  const imported = importImages(l, images);
  await waitUntil('kube-apiserver', async () => (await k(['get', '--raw', '/readyz'])).trim() === 'ok', 90_000, l);
  start(l, join(bin, 'kube-controller-manager'), 'kube-controller-manager', controllerManagerArgs(l));
  start(l, join(bin, 'kube-scheduler'), 'kube-scheduler', schedulerArgs(l));
  await imported;
  start(l, join(bin, 'kubelet'), 'kubelet', kubeletArgs(l));
  start(l, join(bin, 'kube-proxy'), 'kube-proxy', ['--config', join(l.dir, 'kube-proxy.yaml')]);
  await waitUntil(`node ${NODE_NAME} Ready`, async () =>
    (await k(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])).trim() === 'True', 90_000, l);
  // Pods are refused until the controller-manager has made the namespace's default ServiceAccount.
  await waitUntil('the default ServiceAccount', async () => (await k(['get', 'serviceaccount', 'default', '-o', 'name'])).length > 0, 60_000, l);
  await kubectlAt(bin, l.adminKubeconfig, ['apply', '-f', '-'], corednsManifest());
  await k(['-n', 'kube-system', 'rollout', 'status', 'deployment/coredns', '--timeout=120s']);
  // A Ready CoreDNS pod is not yet a working Service: kube-proxy programs its endpoint a moment
  // later, and a pod started in between fails its first lookup (EAI_AGAIN). Up means DNS answers.
  await waitUntil('cluster DNS through its Service', clusterDnsAnswers, 60_000, l);
  log(`node ${NODE_NAME} up in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return cluster(l, bin, images);
}

/** The API server's name resolves through the DNS Service, as a pod would ask it. */
async function clusterDnsAnswers(): Promise<boolean> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([DNS_SERVICE_IP]);
  return (await resolver.resolve4('kubernetes.default.svc.cluster.local')).length > 0;
}

/** Takes everything back; returns what could not be removed (empty when clean). */
export async function down(log: Log, l = nodeLayout()): Promise<string[]> {
  const bin = kubeBinDir();
  if (running(l, 'kube-apiserver') && running(l, 'kubelet')) {
    // Pods first, while the kubelet runs, so CNI DEL releases their addresses and veths.
    const k = (args: string[]) => kubectlAt(bin, l.adminKubeconfig, args).catch((err: unknown) => log(String(err)));
    await k(['delete', 'deployments,statefulsets,daemonsets,replicasets,jobs', '--all', '-A', '--wait=false']);
    await k(['delete', 'pods', '--all', '-A', '--grace-period=1', '--timeout=90s']);
  }
  for (const c of ['kube-proxy', 'kubelet', 'kube-scheduler', 'kube-controller-manager'] as const) await stopComponent(l, c);
  if (existsSync(l.containerdSocket)) {
    const ctr = (args: string[]) => run('ctr', ['-a', l.containerdSocket, '-n', 'k8s.io', ...args]).catch(() => '');
    const tasks = (await ctr(['tasks', 'ls', '-q'])).split('\n').filter(Boolean);
    for (const t of tasks) await ctr(['tasks', 'kill', '-s', 'SIGKILL', t]);
    for (const t of tasks) await ctr(['tasks', 'rm', '-f', t]);
  }
  for (const c of ['containerd', 'kube-apiserver', 'etcd'] as const) await stopComponent(l, c);
  // Shims and anything else started with the node's paths.
  for (const pid of nodeProcesses(l)) await stopPid(pid, 3000);
  await run(join(bin, 'kube-proxy'), ['--cleanup']).catch(() => '');
  await removeFilterChains();
  await removeMountsAndNetns(l);
  await removeBridge();
  restoreIpForward(l);
  const left = await leftovers(l);
  if (left.length === 0) rmSync(join(l.dir, 'ip_forward.orig'), { force: true });
  return left;
}

async function stopComponent(l: NodeLayout, c: Component): Promise<void> {
  if (!existsSync(pidFile(l, c))) return;
  await stopPid(Number(readFileSync(pidFile(l, c), 'utf8')));
  rmSync(pidFile(l, c), { force: true });
}
