/**
 * The one provider every scenario runs on: herdguard installed with `helm upgrade
 * --install` from charts/herdguard, driven only through the Kubernetes API. The cluster
 * under it (the real node here, or kind) comes from a Cluster; nothing here plays a kubelet.
 *
 * Process names the scenarios use map to pods: 'operator' is the Lease holder and
 * 'operator-1'… the others; 'redis-<i>' is pod <i> of the Redis StatefulSet (the chart's
 * pod names are accepted too); '<service>-<i>' is the i-th pod of that Deployment by name.
 * kill = SIGKILL of the container's process from the node (ctr), as the kernel's OOM killer
 * would; the kubelet then restarts it. deletePod = a graceful delete, as a rolling update does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { renderCrdYaml } from '../../crds/generate.js';
import { seedProfiles } from '../../example-app/profile/seeding.js';
import { LEASE_NAME } from '../../lib/3-policy/names.js';
import { kubectlAt } from '../../testkit/control-plane/control-plane.js';
import { describeEvent, serviceAccountCalls } from '../cluster/node/audit-log.js';
import { run } from '../cluster/node/host.js';
import { tempDir } from '../../testkit/process.js';
import {
  cachePolicy, E2E_POSTGRES_PASSWORD, E2E_REDIS_PASSWORD, FULLNAME, helmValues, RELEASE, redisStatefulSet, workloadName,
} from './chart-values.js';
import { clusterInfo, type Cluster, type ClusterInfo, type Endpoint } from './cluster.js';
import { podsOf, type Pod } from './pods.js';
import { clearTerminating, collectDiagnostics, releaseFinalizers } from './release-ops.js';
import type { Provider, ServiceSpec, StackSpec } from './provider.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHART = join(ROOT, 'charts/herdguard');
const HTTP_PORT = 8080;
const DEFAULT_USERS = 10_000;

export class ChartProvider implements Provider {
  readonly name: string;
  private kubeconfig = '';
  private kubectlBin = '';
  private helm = '';
  private stack: StackSpec | undefined;
  private readonly dir = tempDir('e2e-chart');
  /** name → pod and the address reaching its HTTP (or Redis, PostgreSQL) port. */
  private readonly names = new Map<string, { pod: Pod; http?: Endpoint; redis?: Endpoint }>();
  private postgres: Endpoint | undefined;
  info: ClusterInfo | undefined;
  /** Requests of the release's ServiceAccounts that RBAC refused while the stack ran (null: no audit log on this cluster). */
  rbacDenied: string[] | null = null;
  private deployedAt: Date | undefined;
  /** Process name → the pod and container kill() ended, until restart() has seen its successor. */
  private readonly killed = new Map<string, { uid: string; id: string | undefined }>();

  constructor(
    private readonly cluster: Cluster,
    private readonly log: (msg: string) => void = (m) => console.error(`[${cluster.name}] ${m}`),
  ) {
    this.name = cluster.name;
  }

  get kubeconfigPath(): string {
    if (!this.kubeconfig) throw new Error(`the ${this.name} provider is not up: call up() first`);
    return this.kubeconfig;
  }

  async up(): Promise<void> {
    const c = await this.cluster.up(this.log);
    this.kubeconfig = c.kubeconfigPath;
    this.kubectlBin = c.kubectl;
    this.helm = (await run('bash', [join(ROOT, 'scripts/ensure-helm.sh')])).trim();
    await this.kubectl(['apply', '--server-side', '-f', '-'], renderCrdYaml());
    await this.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/cachepolicies.herdguard.io']);
    this.info = await clusterInfo(this, this.name);
  }

  /** Uninstalls the release and its namespace; the cluster stays for the next scenario. */
  async down(): Promise<void> {
    for (const n of this.names.values()) this.cluster.release(n.pod);
    this.names.clear();
    if (!this.stack || !this.kubeconfig) return;
    const ns = this.stack.namespace;
    this.stack = undefined;
    // Up to here (not the uninstall, where a stopping operator may outlive its Role) every call must be allowed.
    const audit = this.cluster.auditLogFiles();
    if (audit.length && this.deployedAt) {
      this.rbacDenied = (await serviceAccountCalls(audit, ns, this.deployedAt, new Date())).forbidden.map(describeEvent);
    }
    // Policies first, while the operator runs to release their finalizers (as a user must, before uninstalling).
    await this.kubectl(['delete', 'cachepolicies', '--all', '-n', ns, '--wait=true', '--timeout=60s']).catch((e: unknown) => this.log(String(e)));
    await releaseFinalizers(this, ns, this.log);
    await run(this.helm, ['uninstall', RELEASE, '-n', ns, '--kubeconfig', this.kubeconfig, '--wait', '--timeout', '120s']).catch((e: unknown) => this.log(String(e)));
    await this.kubectl(['delete', 'namespace', ns, '--wait=true', '--timeout=120s']).catch((e: unknown) => this.log(String(e)));
  }

  kubectl(args: string[], input?: string): Promise<string> {
    if (!this.kubectlBin) throw new Error(`the ${this.name} provider is not up: call up() first`);
    return kubectlAt(dirname(this.kubectlBin), this.kubeconfig, args, input);
  }

  async deployStack(stack: StackSpec): Promise<void> {
    this.stack = stack;
    const ns = stack.namespace;
    await clearTerminating(this, ns, this.log);
    this.deployedAt = new Date();
    const values = join(this.dir, `${ns}-values.json`);
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(values, JSON.stringify(helmValues(stack, this.cluster.imageValues())));
    this.log(`helm upgrade --install ${RELEASE} -n ${ns}`);
    // No --wait: the services become ready only once their CachePolicy is rendered (applied next).
    await run(this.helm, ['upgrade', '--install', RELEASE, CHART, '-n', ns, '--create-namespace', '--kubeconfig', this.kubeconfig, '-f', values]);
    for (const svc of stack.services) await this.kubectl(['apply', '-f', '-'], JSON.stringify(cachePolicy(ns, svc)));
    const rollouts = [`statefulset/${redisStatefulSet}`, ...(stack.operator === false ? [] : [`deployment/${FULLNAME}-operator`])];
    if (stack.services.length) rollouts.push(`statefulset/${FULLNAME}-postgresql`, `deployment/${FULLNAME}-feed-simulator`);
    rollouts.push(...stack.services.map((s) => `deployment/${workloadName(s.name)}`));
    for (const r of rollouts) await this.kubectl(['rollout', 'status', r, '-n', ns, '--timeout=300s']);
    await this.refresh();
    if (stack.services.some((s) => s.name === 'profile')) {
      await seedProfiles(this.databaseUrl(), stack.postgres?.users ?? DEFAULT_USERS);
      await this.sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    }
  }

  processes(): string[] {
    return [...this.names.keys()];
  }

  async kill(name: string): Promise<void> {
    const pod = this.entry(name).pod;
    const id = pod.containerId;
    if (!id) throw new Error(`${name} (pod ${pod.name}) has no running container to kill`);
    this.log(`kill -9 ${name}: container ${id.slice(0, 12)} of pod ${pod.name} on ${pod.nodeName}`);
    this.killed.set(this.canonical(name), { uid: pod.uid, id });
    await run(this.cluster.ctr(pod.nodeName)[0]!, [...this.cluster.ctr(pod.nodeName).slice(1), 'tasks', 'kill', '-s', 'SIGKILL', id]);
  }

  async signal(name: string, signal: 'SIGSTOP' | 'SIGCONT'): Promise<void> {
    const pod = this.entry(name).pod;
    if (!pod.containerId) throw new Error(`${name} (pod ${pod.name}) has no running container`);
    const [cmd, ...args] = this.cluster.ctr(pod.nodeName);
    await run(cmd!, [...args, 'tasks', 'kill', '-s', signal, pod.containerId]);
  }

  async inPodNetwork(name: string, argv: readonly string[], env?: Readonly<Record<string, string>>): Promise<string> {
    const pod = this.entry(name).pod;
    const [ctr, ...ctrArgs] = this.cluster.ctr(pod.nodeName);
    // `ctr tasks ls` prints TASK PID STATUS; the task's PID holds the pod's network namespace.
    const line = (await run(ctr!, [...ctrArgs, 'tasks', 'ls'])).split('\n').find((l) => pod.containerId && l.startsWith(pod.containerId));
    const pid = line?.split(/\s+/)[1];
    if (!pid) throw new Error(`no running task for ${name} (pod ${pod.name})`);
    const [nsenter, ...nsArgs] = this.cluster.nsenter(pod.nodeName);
    return run(nsenter!, [...nsArgs, '-t', pid, '-n', ...argv], env);
  }

  /** The kubelet restarts a killed container by itself; this waits until the pod is Ready again. */
  async restart(name: string): Promise<void> {
    // The pod and container kill() ended under this name: a refresh since may show the new
    // container already, or give the name to another pod ('operator' follows the Lease).
    const killed = this.killed.get(this.canonical(name)) ?? { uid: this.entry(name).pod.uid, id: this.entry(name).pod.containerId };
    await this.waitPod(`${name} restarted and Ready`, (p) => p.uid === killed.uid && p.ready && p.containerId !== killed.id);
    this.killed.delete(this.canonical(name));
    await this.refresh();
  }

  async deletePod(name: string): Promise<void> {
    const pod = this.entry(name).pod;
    // The replacement is a pod of the same controller that did not exist before (a StatefulSet reuses the name).
    const before = new Set((await podsOf(this, pod.namespace)).map((p) => p.uid));
    this.log(`delete pod ${pod.name} (graceful)`);
    await this.kubectl(['delete', 'pod', pod.name, '-n', pod.namespace, '--wait=true', '--timeout=120s']);
    this.cluster.release(pod);
    await this.waitPod(`a Ready replacement of ${pod.name}`, (p) => p.owner === pod.owner && !before.has(p.uid) && p.ready && !p.deleting);
    await this.refresh();
  }

  endpoint(name: string): string {
    const e = this.entry(name).http;
    if (!e) throw new Error(`${name} has no HTTP endpoint`);
    return `http://${e.host}:${e.port}`;
  }

  podName(name: string): string {
    return this.entry(name).pod.name;
  }

  processName(podOrProcess: string): string {
    const name = this.canonical(podOrProcess);
    if (this.names.has(name)) return name;
    for (const [n, e] of this.names) if (e.pod.name === podOrProcess) return n;
    throw new Error(`no process runs in pod ${JSON.stringify(podOrProcess)}; known: ${this.processes().join(', ')}`);
  }

  policyName(service: ServiceSpec['name']): string {
    return workloadName(service);
  }

  cachePolicy(namespace: string, svc: ServiceSpec): Record<string, unknown> {
    return cachePolicy(namespace, svc);
  }

  podSelector(service: ServiceSpec['name']): string {
    return `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${service}`;
  }

  /** Working-set and RSS bytes of a pod's containers, from the kubelet's stats summary (its cgroup). */
  async memoryBytes(name: string): Promise<{ rssBytes: number; workingSetBytes: number }> {
    const pod = this.entry(name).pod;
    const summary = JSON.parse(await this.kubectl(['get', '--raw', `/api/v1/nodes/${pod.nodeName}/proxy/stats/summary`])) as {
      pods: { podRef: { name: string; namespace: string }; containers?: { memory?: { rssBytes?: number; workingSetBytes?: number } }[] }[];
    };
    const stats = summary.pods.find((p) => p.podRef.name === pod.name && p.podRef.namespace === pod.namespace);
    if (!stats?.containers?.length) throw new Error(`the kubelet reports no container stats for pod ${pod.name} yet`);
    const sum = (k: 'rssBytes' | 'workingSetBytes') => stats.containers!.reduce((t, c) => t + (c.memory?.[k] ?? 0), 0);
    return { rssBytes: sum('rssBytes'), workingSetBytes: sum('workingSetBytes') };
  }

  redisAddress(name: string): { host: string; port: number; password: string } {
    const e = this.entry(this.canonical(name)).redis;
    if (!e) throw new Error(`${name} is not a Redis pod`);
    return { ...e, password: E2E_REDIS_PASSWORD };
  }

  databaseUrl(): string {
    if (!this.postgres) throw new Error('no PostgreSQL: deploy a stack with the profile service first');
    return `postgres://profile:${E2E_POSTGRES_PASSWORD}@${this.postgres.host}:${this.postgres.port}/profile`;
  }

  /** On failure: objects, events, and every pod's current and previous logs. Returns the directory. */
  collectDiagnostics(dir = join(this.dir, 'diagnostics')): Promise<string> {
    return collectDiagnostics(this, this.stack?.namespace ?? 'default', dir);
  }

  private async sql(statement: string): Promise<void> {
    const c = new pg.Client({ connectionString: this.databaseUrl() });
    await c.connect();
    try {
      await c.query(statement);
    } finally {
      await c.end();
    }
  }

  // ------------------------------------------------------------------ names ↔ pods

  /** 'herdguard-redis-0' and 'redis-0' both name the first Redis pod. */
  private canonical(name: string): string {
    return name.startsWith(`${FULLNAME}-redis-`) ? name.slice(FULLNAME.length + 1) : name;
  }

  private entry(name: string): { pod: Pod; http?: Endpoint; redis?: Endpoint } {
    const e = this.names.get(this.canonical(name));
    if (!e) throw new Error(`no process named ${JSON.stringify(name)}; known: ${this.processes().join(', ')}`);
    return e;
  }

  private async waitPod(what: string, ok: (p: Pod) => boolean, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await podsOf(this, this.stack?.namespace ?? 'default')).some(ok)) return;
      await sleep(250);
    }
    throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
  }

  /** Re-reads the release's pods and gives each its name and addresses. */
  private async refresh(): Promise<void> {
    const ns = this.stack?.namespace;
    if (!ns) return;
    const pods = (await podsOf(this, ns)).filter((p) => p.phase === 'Running' && !p.deleting);
    const leader = (await this.kubectl(['get', 'lease', LEASE_NAME, '-n', ns, '-o', 'jsonpath={.spec.holderIdentity}']).catch(() => '')).trim();
    const next = new Map<string, { pod: Pod; http?: Endpoint; redis?: Endpoint }>();
    const byComponent = (c: string) => pods.filter((p) => p.component === c).sort((a, b) => a.name.localeCompare(b.name));
    const operators = byComponent('operator').sort((a, b) => Number(b.name === leader) - Number(a.name === leader));
    operators.forEach((p, i) => next.set(i === 0 ? 'operator' : `operator-${i}`, { pod: p }));
    for (const p of byComponent('redis')) next.set(p.name.slice(FULLNAME.length + 1), { pod: p, redis: await this.cluster.reach(p, 6379) });
    for (const c of ['profile', 'market-data']) byComponent(c).forEach((p, i) => next.set(`${c}-${i}`, { pod: p }));
    for (const p of byComponent('feed-simulator')) next.set('feed-simulator', { pod: p });
    for (const [name, e] of next) {
      if (!e.redis) next.set(name, { ...e, http: await this.cluster.reach(e.pod, HTTP_PORT) });
    }
    const pg = byComponent('postgresql')[0];
    this.postgres = pg ? await this.cluster.reach(pg, 5432) : undefined;
    for (const [name, old] of this.names) if (next.get(name)?.pod.uid !== old.pod.uid) this.cluster.release(old.pod);
    this.names.clear();
    for (const [k, v] of next) this.names.set(k, v);
  }
}
