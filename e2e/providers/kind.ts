/**
 * The kind provider, for users with Docker: a kind cluster, the images built with docker
 * and loaded with `kind load`, the chart installed with helm, then the same scenarios as
 * the local provider through the Provider interface. Process names map to pods:
 * 'operator' is the leader, 'redis' the pod labelled role=primary, '<service>-<i>' the
 * i-th pod of that Deployment. kill = force-delete the pod (no grace: kill -9);
 * restart = wait for its controller's replacement to be Ready.
 *
 * Env: HERDGUARD_KIND_CLUSTER (default herdguard-e2e; an existing cluster is reused),
 * HERDGUARD_KIND_KEEP=1 (leave the cluster up after down()), HERDGUARD_KIND_SKIP_BUILD=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeBinary } from '../cluster/binaries.js';
import { tempDir } from '../local/process.js';
import { LEASE_NAME } from '../../operator/names.js';
import { cachePolicy, FULLNAME, helmSetArgs, helmValues, IMAGES, RELEASE, workloadName } from '../kind/stack.js';
import { preflight, run, which, type Tools } from '../kind/tools.js';
import type { Provider, StackSpec } from './provider.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CHART = join(ROOT, 'charts/herdguard');

interface Forward {
  readonly pod: string;
  readonly port: number;
  readonly child: ChildProcess;
}

export class KindProvider implements Provider {
  readonly name = 'kind';
  readonly kubeconfigPath: string;
  private readonly cluster = process.env['HERDGUARD_KIND_CLUSTER'] ?? 'herdguard-e2e';
  private readonly dir = tempDir('e2e-kind');
  private tools: Tools | undefined;
  private helm = '';
  private kubectlBin = '';
  private created = false;
  private namespace = 'default';
  private stack: StackSpec | undefined;
  private readonly forwards = new Map<string, Forward>();

  constructor(private readonly log: (msg: string) => void = (m) => console.error(`[kind] ${m}`)) {
    this.kubeconfigPath = join(this.dir, 'kubeconfig');
  }

  async up(): Promise<void> {
    this.tools = preflight();
    this.helm = (await run('bash', [join(ROOT, 'scripts/ensure-helm.sh')])).trim();
    this.kubectlBin = which('kubectl') ?? kubeBinary('kubectl');
    const existing = (await run(this.tools.kind, ['get', 'clusters'])).split('\n').map((l) => l.trim());
    if (existing.includes(this.cluster)) {
      this.log(`reusing kind cluster ${this.cluster}`);
    } else {
      this.log(`creating kind cluster ${this.cluster} (1-2 min)`);
      await run(this.tools.kind, ['create', 'cluster', '--name', this.cluster, '--config', join(ROOT, 'e2e/kind/cluster.yaml'), '--wait', '180s']);
      this.created = true;
    }
    writeFileSync(this.kubeconfigPath, await run(this.tools.kind, ['get', 'kubeconfig', '--name', this.cluster]));
    if (process.env['HERDGUARD_KIND_SKIP_BUILD'] !== '1') await this.buildAndLoadImages();
    await this.kubectl(['apply', '--server-side', '-f', join(CHART, 'crds')]);
    await this.kubectl(['wait', '--for=condition=Established', '--timeout=60s', 'crd/cachepolicies.herdguard.io']);
  }

  async down(): Promise<void> {
    for (const f of this.forwards.values()) f.child.kill();
    this.forwards.clear();
    if (!this.tools || process.env['HERDGUARD_KIND_KEEP'] === '1' || !this.created) return;
    this.log(`deleting kind cluster ${this.cluster}`);
    await run(this.tools.kind, ['delete', 'cluster', '--name', this.cluster]);
    this.created = false;
  }

  kubectl(args: string[], input?: string): Promise<string> {
    if (!this.kubectlBin) throw new Error('the kind provider is not up: call up() first');
    return run(this.kubectlBin, ['--kubeconfig', this.kubeconfigPath, ...args], input === undefined ? {} : { input });
  }

  async deployStack(stack: StackSpec): Promise<void> {
    this.stack = stack;
    this.namespace = stack.namespace;
    const ns = ['-n', stack.namespace];
    this.log(`helm upgrade --install ${RELEASE} in ${stack.namespace}`);
    // No --wait: the services only become ready once their CachePolicy is rendered, applied next.
    await run(this.helm, ['upgrade', '--install', RELEASE, CHART, '--kubeconfig', this.kubeconfigPath, ...ns, '--create-namespace', ...helmSetArgs(helmValues(stack))]);
    for (const svc of stack.services) {
      await this.kubectl(['apply', '-f', '-'], JSON.stringify(cachePolicy(stack.namespace, svc)));
    }
    const rollouts = [`statefulset/${FULLNAME}-redis`, ...(stack.operator === false ? [] : [`deployment/${FULLNAME}-operator`])];
    if (stack.services.length) rollouts.push(`statefulset/${FULLNAME}-postgresql`, `deployment/${FULLNAME}-feed-simulator`);
    rollouts.push(...stack.services.map((s) => `deployment/${workloadName(s.name)}`));
    for (const r of rollouts) {
      this.log(`waiting for ${r}`);
      await this.kubectl(['rollout', 'status', r, ...ns, '--timeout=300s']);
    }
    await this.refreshForwards();
  }

  processes(): string[] {
    const names = this.stack?.operator === false ? ['redis'] : ['operator', 'redis'];
    for (const s of this.stack?.services ?? []) for (let i = 0; i < s.replicas; i++) names.push(`${s.name}-${i}`);
    return names;
  }

  async kill(name: string): Promise<void> {
    const pod = await this.podFor(name);
    this.log(`kill ${name}: force-deleting pod ${pod}`);
    await this.kubectl(['delete', 'pod', pod, '-n', this.namespace, '--grace-period=0', '--force', '--wait=false']);
  }

  async restart(name: string): Promise<void> {
    const workload = this.workloadOf(name);
    await this.kubectl(['rollout', 'status', workload, '-n', this.namespace, '--timeout=300s']);
    this.forwards.get(name)?.child.kill();
    this.forwards.delete(name);
    await this.refreshForwards();
  }

  endpoint(name: string): string {
    const f = this.forwards.get(name);
    if (!f) throw new Error(`no port-forward for ${JSON.stringify(name)}; known: ${[...this.forwards.keys()].join(', ')}`);
    return `http://127.0.0.1:${f.port}`;
  }

  pid(): number | undefined {
    return undefined; // processes live in pods on kind nodes
  }

  /** On failure: pod logs (current and previous), objects, events and `kind export logs`. Returns the directory. */
  async collectDiagnostics(dir = join(this.dir, 'diagnostics')): Promise<string> {
    mkdirSync(dir, { recursive: true });
    const save = async (file: string, args: string[]) =>
      writeFileSync(join(dir, file), await this.kubectl(args).catch((err: unknown) => `failed: ${String(err)}`));
    const ns = ['-n', this.namespace];
    await save('objects.txt', ['get', 'all,cachepolicies,configmaps,leases,pdb', ...ns, '-o', 'wide']);
    await save('events.txt', ['get', 'events', ...ns, '--sort-by=.lastTimestamp']);
    await save('cachepolicies.yaml', ['get', 'cachepolicies', ...ns, '-o', 'yaml']);
    const pods = (await this.kubectl(['get', 'pods', ...ns, '-o', 'jsonpath={.items[*].metadata.name}']).catch(() => '')).split(' ').filter(Boolean);
    for (const p of pods) {
      await save(`${p}.log`, ['logs', p, ...ns, '--all-containers', '--timestamps']);
      await save(`${p}.previous.log`, ['logs', p, ...ns, '--all-containers', '--timestamps', '--previous']);
    }
    if (this.tools) await run(this.tools.kind, ['export', 'logs', join(dir, 'kind'), '--name', this.cluster]).catch(() => undefined);
    this.log(`diagnostics in ${dir}`);
    return dir;
  }

  private async buildAndLoadImages(): Promise<void> {
    const { docker, kind } = this.tools!;
    for (const [target, image] of Object.entries(IMAGES)) {
      this.log(`docker build --target ${target} -t ${image}`);
      await run(docker, ['build', '--target', target, '-t', image, ROOT]);
      this.log(`kind load docker-image ${image}`);
      await run(kind, ['load', 'docker-image', image, '--name', this.cluster]);
    }
  }

  private workloadOf(name: string): string {
    if (name === 'operator') return `deployment/${FULLNAME}-operator`;
    if (name === 'redis') return `statefulset/${FULLNAME}-redis`;
    const m = /^(profile|market-data)-(\d+)$/.exec(name);
    if (!m) throw new Error(`no process named ${JSON.stringify(name)}; known: ${this.processes().join(', ')}`);
    return `deployment/${workloadName(m[1] as 'profile' | 'market-data')}`;
  }

  private async podFor(name: string): Promise<string> {
    const ns = ['-n', this.namespace];
    if (name === 'operator') {
      return (await this.kubectl(['get', 'lease', LEASE_NAME, ...ns, '-o', 'jsonpath={.spec.holderIdentity}'])).trim();
    }
    const selector = name === 'redis'
      ? `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=redis,role=primary`
      : `app.kubernetes.io/instance=${RELEASE},app.kubernetes.io/component=${this.workloadOf(name).split('/')[1]!.slice(FULLNAME.length + 1)}`;
    const pods = (await this.kubectl(['get', 'pods', ...ns, '-l', selector, '--field-selector=status.phase=Running', '-o', 'jsonpath={.items[*].metadata.name}']))
      .split(' ')
      .filter(Boolean)
      .sort();
    const index = name === 'redis' ? 0 : Number(name.slice(name.lastIndexOf('-') + 1));
    const pod = pods[index];
    if (!pod) throw new Error(`no running pod for ${name} (selector ${selector}; found ${pods.join(', ') || 'none'})`);
    return pod;
  }

  /** (Re)starts a port-forward for every process whose pod changed or has none. */
  private async refreshForwards(): Promise<void> {
    for (const name of this.processes()) {
      const pod = await this.podFor(name);
      const current = this.forwards.get(name);
      if (current?.pod === pod && current.child.exitCode === null) continue;
      current?.child.kill();
      this.forwards.set(name, await this.portForward(pod, name === 'redis' ? 6379 : 8080));
    }
  }

  private portForward(pod: string, remotePort: number): Promise<Forward> {
    const child = spawn(this.kubectlBin, ['--kubeconfig', this.kubeconfigPath, 'port-forward', '-n', this.namespace, `pod/${pod}`, `:${remotePort}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new Promise((resolvePf, reject) => {
      let out = '';
      const onData = (c: Buffer) => {
        out += c.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolvePf({ pod, port: Number(m[1]), child });
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => reject(new Error(`kubectl port-forward ${pod} exited ${code}: ${out.trim()}`)));
      setTimeout(() => reject(new Error(`kubectl port-forward ${pod} did not start in 30s: ${out.trim()}`)), 30_000).unref();
    });
  }
}
