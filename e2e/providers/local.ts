/**
 * The local provider: the real control plane from e2e/cluster/local.ts, real redis-server,
 * the operator and the services as real processes. No kubelet runs, so this provider plays
 * its part only: for each Deployment it creates the Pod objects, starts one process per
 * Pod, and reports the Pod Running/Ready with podIP 127.0.0.1.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { renderCrdYaml } from '../../crds/generate.js';
import { HttpKubeClient } from '../../operator/kube/client.js';
import { resources } from '../../operator/kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../../operator/names.js';
import { startControlPlane, type ControlPlane } from '../cluster/local.js';
import { freePort, startProcess, tempDir, waitFor, type Managed } from '../local/process.js';
import { startRedis, type RedisServer } from '../local/redis.js';
import type { Provider, ServiceSpec, StackSpec } from './provider.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const KUBE_SOURCE = join(ROOT, 'example-app/cache/policy/kube-source.ts');

interface Proc {
  managed: Managed | undefined;
  port: number;
  start: () => Managed;
}

export class LocalProvider implements Provider {
  readonly name = 'local';
  private cp: ControlPlane | undefined;
  private client: HttpKubeClient | undefined;
  private redis: RedisServer | undefined;
  private readonly procs = new Map<string, Proc>();
  private readonly logDir = tempDir('e2e-logs');

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
    await Promise.all([...this.procs.values()].map((p) => p.managed?.stop() ?? Promise.resolve()));
    this.procs.clear();
    await this.redis?.stop();
    this.redis = undefined;
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
    if (stack.services.length) this.redis ??= await startRedis({ logDir: this.logDir });
    if (stack.operator !== false) await this.startOperator(stack.namespace);
    for (const svc of stack.services) await this.deployService(stack.namespace, svc);
  }

  processes(): string[] {
    return [...this.procs.keys()];
  }

  async kill(name: string): Promise<void> {
    await this.proc(name).managed?.kill();
  }

  async restart(name: string): Promise<void> {
    const p = this.proc(name);
    await p.managed?.stop();
    p.managed = p.start();
    await waitFor(`${name} /healthz`, () => healthy(p.port), 60_000);
  }

  endpoint(name: string): string {
    return `http://127.0.0.1:${this.proc(name).port}`;
  }

  pid(name: string): number | undefined {
    return this.procs.get(name)?.managed?.child.pid;
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

  private async launch(name: string, script: string, env: Record<string, string>, preload: string[] = []): Promise<void> {
    const port = await freePort();
    const args = ['--import', 'tsx', ...preload.flatMap((m) => ['--import', m]), join(ROOT, script)];
    const start = () =>
      startProcess(name, process.execPath, args, {
        cwd: ROOT,
        logDir: this.logDir,
        env: { ...process.env, KUBECONFIG: this.kubeconfigPath, LOG_LEVEL: 'warn', ...env, PORT: String(port), METRICS_PORT: String(port) },
      });
    const p: Proc = { managed: start(), port, start };
    this.procs.set(name, p);
    await waitFor(`${name} /healthz (log: ${p.managed?.logFile})`, () => healthy(port), 90_000);
  }

  private async startOperator(namespace: string): Promise<void> {
    await this.launch('operator', 'operator/main.ts', { WATCH_NAMESPACE: namespace, POD_NAME: 'operator-0' });
  }

  private async deployService(namespace: string, svc: ServiceSpec): Promise<void> {
    const api = this.api();
    const labels = { app: svc.name };
    await api.create({ res: resources.cachePolicies, namespace }, { apiVersion: 'herdguard.io/v1alpha1', kind: 'CachePolicy', metadata: { name: svc.name }, spec: svc.policySpec });
    await api.create({ res: resources.deployments, namespace }, {
      metadata: { name: svc.name, labels },
      spec: { replicas: svc.replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: svc.name, image: `herdguard/${svc.name}` }] } } },
    });
    await waitFor(`the rendered policy of ${svc.name}`, async () => {
      const cm = await api.get<{ data?: Record<string, string> } & import('../../operator/kube/resources.js').KubeObject>({ res: resources.configMaps, namespace, name: renderedConfigMapName(svc.name) });
      return cm.data?.[POLICY_KEY] !== undefined;
    }, 60_000);
    for (let i = 0; i < svc.replicas; i++) {
      const pod = `${svc.name}-${i}`;
      await api.create({ res: resources.pods, namespace }, { metadata: { name: pod, labels }, spec: { containers: [{ name: svc.name, image: `herdguard/${svc.name}` }] } });
      await this.launch(pod, `example-app/${svc.name}/main.ts`, {
        POD_NAME: pod,
        POD_NAMESPACE: namespace,
        HERDGUARD_POLICY_CONFIGMAP: `${namespace}/${renderedConfigMapName(svc.name)}`,
        REDIS_URL: this.redis?.url ?? '',
      }, [KUBE_SOURCE]);
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      await api.mergePatch({ res: resources.pods, namespace, name: pod, subresource: 'status' }, {
        status: { phase: 'Running', podIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] },
      });
    }
  }
}

async function healthy(port: number): Promise<boolean> {
  const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
  return r?.status === 200;
}
