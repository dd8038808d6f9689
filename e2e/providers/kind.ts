/**
 * The `kind` cluster, for users with Docker: the same ChartProvider on a kind cluster. Only
 * how the cluster is made differs from the real node: `kind create cluster`, images built
 * with `docker build` from the same Dockerfile and put on the nodes with `kind load`, pods
 * reached through `kubectl port-forward` (kind's pod network is inside Docker), and `ctr`
 * run inside the kind node's container.
 *
 * Env: HERDGUARD_KIND_CLUSTER (default herdguard-e2e; an existing cluster is reused),
 * HERDGUARD_KIND_KEEP=1 (leave the cluster up), HERDGUARD_KIND_SKIP_BUILD=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeBinary } from '../../testkit/control-plane/binaries.js';
import { preflight, run, which, type Tools } from '../kind/tools.js';
import { tempDir } from '../../testkit/process.js';
import type { Cluster, Endpoint } from './cluster.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAG = 'e2e';
const IMAGES = { operator: `herdguard/operator:${TAG}`, services: `herdguard/services:${TAG}` } as const;

export class KindCluster implements Cluster {
  readonly name = 'kind';
  private readonly cluster = process.env['HERDGUARD_KIND_CLUSTER'] ?? 'herdguard-e2e';
  private readonly dir = tempDir('e2e-kind');
  private tools: Tools | undefined;
  private kubectl = '';
  private created = false;
  private readonly forwards = new Map<string, { child: ChildProcess; endpoint: Endpoint }>();

  async up(log: (m: string) => void): Promise<{ kubeconfigPath: string; kubectl: string }> {
    this.tools = preflight();
    this.kubectl = which('kubectl') ?? kubeBinary('kubectl');
    const kubeconfigPath = join(this.dir, 'kubeconfig');
    const existing = (await run(this.tools.kind, ['get', 'clusters'])).split('\n').map((l) => l.trim());
    if (!existing.includes(this.cluster)) {
      log(`creating kind cluster ${this.cluster} (1-2 min)`);
      await run(this.tools.kind, ['create', 'cluster', '--name', this.cluster, '--config', join(ROOT, 'e2e/kind/cluster.yaml'), '--wait', '180s']);
      this.created = true;
    }
    writeFileSync(kubeconfigPath, await run(this.tools.kind, ['get', 'kubeconfig', '--name', this.cluster]));
    if (process.env['HERDGUARD_KIND_SKIP_BUILD'] !== '1') {
      for (const [target, image] of Object.entries(IMAGES)) {
        log(`docker build --target ${target} -t ${image}`);
        await run(this.tools.docker, ['build', '--target', target, '-t', image, ROOT]);
        await run(this.tools.kind, ['load', 'docker-image', image, '--name', this.cluster]);
      }
    }
    return { kubeconfigPath, kubectl: this.kubectl };
  }

  async down(log: (m: string) => void): Promise<void> {
    for (const f of this.forwards.values()) f.child.kill();
    this.forwards.clear();
    if (!this.tools || !this.created || process.env['HERDGUARD_KIND_KEEP'] === '1') return;
    log(`deleting kind cluster ${this.cluster}`);
    await run(this.tools.kind, ['delete', 'cluster', '--name', this.cluster]);
  }

  imageValues(): Record<string, unknown> {
    // Redis and PostgreSQL keep the chart's public defaults, as users run them.
    return { image: { pullPolicy: 'IfNotPresent', operator: { tag: TAG }, services: { tag: TAG } } };
  }

  ctr(nodeName: string): string[] {
    return ['docker', 'exec', nodeName, 'ctr', '-n', 'k8s.io'];
  }

  nsenter(nodeName: string): string[] {
    return ['docker', 'exec', nodeName, 'nsenter'];
  }

  async reach(pod: { namespace: string; name: string }, port: number): Promise<Endpoint> {
    const key = `${pod.namespace}/${pod.name}:${port}`;
    const known = this.forwards.get(key);
    if (known && known.child.exitCode === null) return known.endpoint;
    const child = spawn(this.kubectl, ['--kubeconfig', join(this.dir, 'kubeconfig'), 'port-forward', '-n', pod.namespace, `pod/${pod.name}`, `:${port}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const endpoint = await new Promise<Endpoint>((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`kubectl port-forward ${pod.name} did not start in 30s: ${out.trim()}`)), 30_000);
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          ok({ host: '127.0.0.1', port: Number(m[1]) });
        }
      });
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`kubectl port-forward ${pod.name} exited ${String(code)}: ${out.trim()}`));
      });
    });
    this.forwards.set(key, { child, endpoint });
    return endpoint;
  }

  auditLogFiles(): string[] {
    return []; // kind's API server audits nothing unless configured so; the release test covers RBAC on the real node
  }

  release(pod: { namespace: string; name: string }): void {
    for (const [key, f] of this.forwards) {
      if (key.startsWith(`${pod.namespace}/${pod.name}:`)) {
        f.child.kill();
        this.forwards.delete(key);
      }
    }
  }
}
