/**
 * The local provider: the real control plane from e2e/cluster/local.ts, real redis-server
 * and PostgreSQL, the operator and the services as real processes. No kubelet runs, so this
 * provider plays its part only: it creates the Pod objects of each workload, starts one
 * process per Pod, reports the Pod Running/Ready with podIP 127.0.0.1, marks it NotReady
 * about a second after its process dies (the kubelet's PLEG relist), and on a planned
 * deletion stops the process only after the Pod carried its deletionTimestamp for a while.
 */
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { renderCrdYaml } from '../../crds/generate.js';
import { seedProfiles } from '../../example-app/profile/seeding.js';
import { REDIS_PORT_ANNOTATION } from '../../operator/failover/kube-seams.js';
import { parseReplicationInfo, type ReplicationInfo } from '../../operator/failover/replication-info.js';
import { HttpKubeClient } from '../../operator/kube/client.js';
import { resources, type KubeObject } from '../../operator/kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../../operator/names.js';
import { startControlPlane, type ControlPlane } from '../cluster/local.js';
import { startPostgres, type PostgresServer } from '../local/postgres.js';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../local/process.js';
import { startRedis, type RedisServer } from '../local/redis.js';
import type { Provider, ServiceSpec, StackSpec } from './provider.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The kubelet notices a dead container on its next PLEG relist, about every second. */
const PLEG_MS = 1000;
/** How long a planned deletion lets the operator switch over before the process is stopped (terminationGracePeriod). */
const GRACE_MS = 10_000;
const REDIS_STATEFULSET = 'redis';
const DEFAULT_USERS = 10_000;

interface Proc {
  managed: Managed | undefined;
  readonly port: number;
  /** Starts the process; resolves once it answers (health or PING). */
  readonly start: () => Promise<Managed>;
  /** The Pod this process plays, if any (operators run without one). */
  readonly pod?: { readonly namespace: string; readonly name: string; readonly object: () => KubeObject };
}

export class LocalProvider implements Provider {
  readonly name = 'local';
  private cp: ControlPlane | undefined;
  private client: HttpKubeClient | undefined;
  private redis: RedisServer | undefined;
  private postgres: PostgresServer | undefined;
  private readonly procs = new Map<string, Proc>();
  private readonly logDir = tempDir('e2e-logs');
  /** Kubelet status reports in flight; down() waits for them. */
  private readonly reports = new Set<Promise<void>>();
  private closing = false;

  get kubeconfigPath(): string {
    if (!this.cp) throw new Error('the local provider is not up: call up() first');
    return this.cp.kubeconfigPath;
  }

  async up(): Promise<void> {
    this.cp = await startControlPlane();
    const kc = new KubeConfig();
    kc.loadFromFile(this.cp.kubeconfigPath);
    this.client = new HttpKubeClient({ kubeConfig: kc, userAgent: 'herdguard-e2e' });
    await this.cp.kubectl(['apply', '-f', '-'], renderCrdYaml());
    await this.cp.kubectl(['wait', '--for', 'condition=established', '--timeout=60s', 'crd/cachepolicies.herdguard.io']);
  }

  async down(): Promise<void> {
    this.closing = true;
    // Services first (they hold connections to the rest), then operators, then Redis.
    const order = (n: string) => (n.startsWith('redis-') ? 2 : n.startsWith('operator') ? 1 : 0);
    for (const rank of [0, 1, 2]) {
      const batch = [...this.procs.entries()].filter(([n]) => order(n) === rank);
      await Promise.all(batch.map(([, p]) => p.managed?.stop() ?? Promise.resolve()));
    }
    await Promise.all([...this.reports]);
    this.procs.clear();
    await this.redis?.stop();
    this.redis = undefined;
    await this.postgres?.stop();
    this.postgres = undefined;
    this.client?.close();
    await this.cp?.stop();
    this.cp = undefined;
  }

  kubectl(args: string[], input?: string): Promise<string> {
    if (!this.cp) throw new Error('the local provider is not up: call up() first');
    return this.cp.kubectl(args, input);
  }

  async deployStack(stack: StackSpec): Promise<void> {
    const api = this.api();
    await api.create({ res: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' } }, { metadata: { name: stack.namespace } }).catch(() => undefined);
    if (stack.redis) await this.deployRedis(stack.namespace, stack.redis.pods);
    else if (stack.services.length) this.redis ??= await startRedis({ logDir: this.logDir });
    if (stack.services.some((s) => s.name === 'profile')) {
      this.postgres ??= await startPostgres({ logDir: this.logDir });
      await seedProfiles(this.postgres.url, stack.postgres?.users ?? DEFAULT_USERS);
    }
    if (stack.feedSimulator) {
      const f = stack.feedSimulator;
      await this.launch('feed-simulator', 'example-app/feed-simulator/main.ts', {
        ...(f.ratePerSecond === undefined ? {} : { RATE_LIMIT: String(f.ratePerSecond) }),
        ...(f.latencyMs === undefined ? {} : { LATENCY_MS: String(f.latencyMs) }),
      });
    }
    if (stack.operator !== false) {
      for (let i = 0; i < (stack.operators ?? 1); i++) await this.startOperator(stack.namespace, i, stack.operatorEnv ?? {});
    }
    for (const svc of stack.services) await this.deployService(stack.namespace, svc);
  }

  processes(): string[] {
    return [...this.procs.keys()];
  }

  async kill(name: string): Promise<void> {
    const p = this.proc(name);
    await p.managed?.kill();
  }

  async restart(name: string): Promise<void> {
    const p = this.proc(name);
    await p.managed?.stop();
    p.managed = await p.start();
    if (p.pod) await this.reportReady(p.pod.namespace, p.pod.name, true);
  }

  async deletePod(name: string): Promise<void> {
    const p = this.proc(name);
    const pod = p.pod;
    if (!pod) throw new Error(`${name} is not a pod`);
    const api = this.api();
    // The API server keeps a scheduled Pod (nodeName set) with a deletionTimestamp until the kubelet confirms.
    await api.delete({ res: resources.pods, namespace: pod.namespace, name: pod.name });
    if (name.startsWith('redis-')) {
      // Like a preStop hook: give the operator the grace period to switch over first.
      const addr = this.redisAddress(name);
      await waitFor(`${name} handed over its primary role`, async () => (await redisInfo(addr))?.role !== 'master', GRACE_MS).catch(() => undefined);
    }
    await p.managed?.stop();
    await this.kubectl(['delete', 'pod', pod.name, '-n', pod.namespace, '--grace-period=0', '--force', '--wait=false']).catch(() => undefined);
    await waitFor(`pod ${pod.name} gone`, async () => !(await this.podExists(pod.namespace, pod.name)), 30_000);
    // The StatefulSet (or ReplicaSet) controller's part: the same Pod comes back.
    await api.create({ res: resources.pods, namespace: pod.namespace }, pod.object());
    p.managed = await p.start();
    await this.reportReady(pod.namespace, pod.name, true);
  }

  endpoint(name: string): string {
    return `http://127.0.0.1:${this.proc(name).port}`;
  }

  pid(name: string): number | undefined {
    return this.procs.get(name)?.managed?.child.pid;
  }

  redisAddress(name: string): { host: string; port: number } {
    if (!name.startsWith('redis-')) throw new Error(`${name} is not a Redis pod`);
    return { host: '127.0.0.1', port: this.proc(name).port };
  }

  databaseUrl(): string {
    if (!this.postgres) throw new Error('no PostgreSQL: deploy a stack with the profile service first');
    return this.postgres.url;
  }

  private api(): HttpKubeClient {
    if (!this.client) throw new Error('the local provider is not up: call up() first');
    return this.client;
  }

  private proc(name: string): Proc {
    const p = this.procs.get(name);
    if (!p) throw new Error(`no process named ${JSON.stringify(name)}; known: ${this.processes().join(', ')}`);
    return p;
  }

  private async podExists(namespace: string, name: string): Promise<boolean> {
    try {
      await this.api().get({ res: resources.pods, namespace, name });
      return true;
    } catch {
      return false;
    }
  }

  /** The kubelet's status report: Running/Ready with the pod IP, or NotReady. */
  private async reportReady(namespace: string, name: string, ready: boolean): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.api().mergePatch({ res: resources.pods, namespace, name, subresource: 'status' }, {
      status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] },
    });
  }

  /** After a process dies on its own, its Pod turns NotReady on the next relist (unless it was restarted meanwhile). */
  private watchExit(name: string, m: Managed): void {
    const p = this.procs.get(name);
    if (!p?.pod) return;
    const pod = p.pod;
    const report = m.exited
      .then(async () => {
        if (this.closing) return;
        await sleep(PLEG_MS);
        if (this.closing || this.procs.get(name)?.managed !== m) return;
        await this.reportReady(pod.namespace, pod.name, false);
      })
      .catch(() => undefined) // the Pod may be gone (planned deletion): nothing to report
      .finally(() => this.reports.delete(report));
    this.reports.add(report);
  }

  private register(name: string, proc: Omit<Proc, 'start'> & { start: () => Promise<Managed> }): Proc {
    const p: Proc = {
      ...proc,
      start: async () => {
        const m = await proc.start();
        this.watchExit(name, m);
        return m;
      },
    };
    this.procs.set(name, p);
    return p;
  }

  private async launch(name: string, script: string, env: Record<string, string>, pod?: Proc['pod']): Promise<Proc> {
    const port = await freePort();
    const args = ['--import', 'tsx', join(ROOT, script)];
    const p = this.register(name, {
      managed: undefined,
      port,
      ...(pod ? { pod } : {}),
      start: async () => {
        const m = startProcess(name, process.execPath, args, {
          cwd: ROOT,
          logDir: this.logDir,
          env: { ...process.env, KUBECONFIG: this.kubeconfigPath, LOG_LEVEL: 'warn', ...env, PORT: String(port), METRICS_PORT: String(port) },
        });
        const died = m.exited.then((code) => {
          throw new Error(`${name} exited with ${String(code)} before it was healthy (log: ${m.logFile})`);
        });
        await Promise.race([waitFor(`${name} /healthz (log: ${m.logFile})`, () => healthy(port), 90_000), died]);
        return m;
      },
    });
    p.managed = await p.start();
    return p;
  }

  private async startOperator(namespace: string, i: number, env: Readonly<Record<string, string>>): Promise<void> {
    const name = i === 0 ? 'operator' : `operator-${i}`;
    await this.launch(name, 'operator/main.ts', { WATCH_NAMESPACE: namespace, LEADER_ELECTION_NAMESPACE: namespace, POD_NAME: `operator-${i}`, ...env });
  }

  // ------------------------------------------------------------------ Redis StatefulSet

  private async deployRedis(namespace: string, pods: number): Promise<void> {
    if (pods < 2 || pods > 3) throw new RangeError(`expected redis.pods to be 2 or 3 (a primary and 1-2 replicas), got ${pods}`);
    const api = this.api();
    const labels = { app: REDIS_STATEFULSET };
    await api.create({ res: resources.statefulSets, namespace }, {
      metadata: { name: REDIS_STATEFULSET, labels },
      spec: {
        replicas: pods,
        serviceName: REDIS_STATEFULSET,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'redis', image: 'redis:7' }] } },
      },
    });
    for (let i = 0; i < pods; i++) await this.deployRedisPod(namespace, i);
  }

  private async deployRedisPod(namespace: string, ordinal: number): Promise<void> {
    const name = `${REDIS_STATEFULSET}-${ordinal}`;
    const port = await freePort();
    const object = (): KubeObject =>
      ({
        metadata: { name, labels: { app: REDIS_STATEFULSET }, annotations: { [REDIS_PORT_ANNOTATION]: String(port) } },
        // nodeName: a scheduled Pod is deleted gracefully (deletionTimestamp first), as on a real node.
        spec: { nodeName: 'local', containers: [{ name: 'redis', image: 'redis:7' }] },
      }) as KubeObject;
    await this.api().create({ res: resources.pods, namespace }, object());
    const p = this.register(name, {
      managed: undefined,
      port,
      pod: { namespace, name, object },
      start: async () => startRedis({ name, port, logDir: this.logDir, ...(await this.bootstrapRole(ordinal)) }),
    });
    p.managed = await p.start();
    await this.reportReady(namespace, name, true);
  }

  /**
   * The Redis container's start script (as the chart's, but asking the peers, not the label):
   * replicate the peer that answers as primary; with none, replicate the peer holding the
   * most data (the operator promotes it); with no peer answering at all, pod 0 starts as
   * primary. A pod that restarts empty therefore never becomes a second primary.
   */
  private async bootstrapRole(ordinal: number): Promise<{ replicaOf?: { host: string; port: number } }> {
    const peers = [...this.procs.keys()].filter((n) => n.startsWith(`${REDIS_STATEFULSET}-`) && n !== `${REDIS_STATEFULSET}-${ordinal}`);
    const answers = (await Promise.all(peers.map(async (n) => ({ addr: this.redisAddress(n), info: await redisInfo(this.redisAddress(n)) })))).filter(
      (a): a is { addr: { host: string; port: number }; info: ReplicationInfo } => a.info !== null,
    );
    const masters = answers.filter((a) => a.info.role === 'master').sort((a, b) => b.info.keys - a.info.keys);
    const best = masters[0] ?? [...answers].sort((a, b) => b.info.offset - a.info.offset)[0];
    if (best) return { replicaOf: best.addr };
    if (ordinal === 0) return {};
    return { replicaOf: this.redisAddress(`${REDIS_STATEFULSET}-0`) };
  }

  // ------------------------------------------------------------------ services

  private async deployService(namespace: string, svc: ServiceSpec): Promise<void> {
    const api = this.api();
    const labels = { app: svc.name };
    await api.create({ res: resources.cachePolicies, namespace }, { apiVersion: 'herdguard.io/v1alpha1', kind: 'CachePolicy', metadata: { name: svc.name }, spec: svc.policySpec });
    await api.create({ res: resources.deployments, namespace }, {
      metadata: { name: svc.name, labels },
      spec: { replicas: svc.replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: svc.name, image: `herdguard/${svc.name}` }] } } },
    });
    await waitFor(`the rendered policy of ${svc.name}`, async () => {
      const cm = await api.get<{ data?: Record<string, string> } & KubeObject>({ res: resources.configMaps, namespace, name: renderedConfigMapName(svc.name) });
      return cm.data?.[POLICY_KEY] !== undefined;
    }, 60_000);
    const redisUrl = this.procs.has(`${REDIS_STATEFULSET}-0`)
      ? `redis://127.0.0.1:${this.proc(`${REDIS_STATEFULSET}-0`).port}`
      : (this.redis?.url ?? '');
    for (let i = 0; i < svc.replicas; i++) {
      const name = `${svc.name}-${i}`;
      const object = (): KubeObject =>
        ({ metadata: { name, labels }, spec: { nodeName: 'local', containers: [{ name: svc.name, image: `herdguard/${svc.name}` }] } }) as KubeObject;
      await api.create({ res: resources.pods, namespace }, object());
      await this.launch(name, `example-app/${svc.name}/main.ts`, {
        POD_NAME: name,
        POD_NAMESPACE: namespace,
        HERDGUARD_SERVICE_NAME: svc.name,
        HERDGUARD_POLICY_CONFIGMAP: `${namespace}/${renderedConfigMapName(svc.name)}`,
        REDIS_URL: redisUrl,
        ...(this.postgres ? { DATABASE_URL: this.postgres.url } : {}),
        ...(this.procs.has('feed-simulator') ? { UPSTREAM_URL: this.endpoint('feed-simulator') } : {}),
        ...svc.env,
      }, { namespace, name, object });
      await this.reportReady(namespace, name, true);
    }
  }
}

async function healthy(port: number): Promise<boolean> {
  const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
  return r?.status === 200;
}

/** INFO replication of one Redis, or null when it does not answer within 300 ms. */
export async function redisInfo(addr: { host: string; port: number }): Promise<ReplicationInfo | null> {
  const c = new Redis({ ...addr, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 300, commandTimeout: 300, enableOfflineQueue: false });
  c.on('error', () => undefined); // a dead pod is an answer too: null
  try {
    await c.connect();
    const [info, keys] = await Promise.all([c.call('INFO', 'server', 'replication') as Promise<string>, c.dbsize()]);
    return parseReplicationInfo(info, keys);
  } catch {
    return null;
  } finally {
    c.disconnect();
  }
}
