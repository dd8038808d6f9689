/**
 * What the operator's kube tests share: a real kube-apiserver + etcd with the CachePolicy CRD
 * installed, namespace hg-test holding a Deployment "web" and its two Running Pods (web-0,
 * web-1), an admin client, and the few reads and writes of policies the tests repeat.
 * Each test file starts its own, so the files stay independent of each other's leftovers.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { renderCrdYaml } from '../crds/generate.js';
import { HttpKubeClient } from '../lib/2-kube/client.js';
import { resources } from '../lib/2-kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../lib/3-policy/names.js';
import type { CachePolicyObject, ConfigMapObject } from '../lib/3-policy/objects.js';
import { startControlPlane, type ControlPlane } from '../testkit/control-plane/control-plane.js';
import { waitFor } from '../testkit/process.js';

export const NS = 'hg-test';

export const baseSpec = () => ({
  targetRef: { kind: 'Deployment', name: 'web' },
  keyspaces: [{ prefix: 'user:', ttl: '60s' }],
});
export const policyObj = (name: string, spec: unknown) => ({
  apiVersion: 'herdguard.io/v1alpha1',
  kind: 'CachePolicy',
  metadata: { name, namespace: NS },
  spec,
});
export const cpTarget = (name: string) => ({ res: resources.cachePolicies, namespace: NS, name });
export const cmTarget = (policy: string) => ({
  res: resources.configMaps,
  namespace: NS,
  name: renderedConfigMapName(policy),
});

export class PolicyApi {
  private constructor(
    readonly cp: ControlPlane,
    readonly admin: HttpKubeClient,
  ) {}

  static async start(): Promise<PolicyApi> {
    const cp = await startControlPlane();
    const api = new PolicyApi(
      cp,
      new HttpKubeClient({ kubeConfig: kubeConfigOf(cp), userAgent: 'herdguard-test' }),
    );
    try {
      await api.install();
    } catch (err) {
      await api.stop();
      throw err;
    }
    return api;
  }

  /** A fresh KubeConfig for another client of the same API server. */
  kubeConfig(): KubeConfig {
    return kubeConfigOf(this.cp);
  }

  /** The generation in the policy's rendered ConfigMap, or undefined while there is none. */
  async renderedGeneration(policy: string): Promise<number | undefined> {
    try {
      const cm = await this.admin.get<ConfigMapObject>(cmTarget(policy));
      return (JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { generation?: number }).generation;
    } catch {
      return undefined;
    }
  }

  waitRendered(policy: string, generation: number): Promise<void> {
    return waitFor(
      `ConfigMap of ${policy} at generation ${generation}`,
      async () => (await this.renderedGeneration(policy)) === generation,
      30_000,
    );
  }

  /** Sets the policy's single keyspace ttl; resolves to the new generation. */
  async setTtl(name: string, ttl: string): Promise<number> {
    const p = await this.admin.mergePatch<CachePolicyObject>(cpTarget(name), {
      spec: { keyspaces: [{ prefix: 'user:', ttl }] },
    });
    return p.metadata.generation ?? 0;
  }

  async stop(): Promise<void> {
    this.admin.close();
    await this.cp.stop();
  }

  private async install(): Promise<void> {
    await this.cp.kubectl(['apply', '-f', '-'], renderCrdYaml());
    await this.cp.kubectl([
      'wait',
      '--for',
      'condition=established',
      '--timeout=60s',
      'crd/cachepolicies.herdguard.io',
    ]);
    await this.admin.create(
      { res: { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace' } },
      { metadata: { name: NS } },
    );
    await this.admin.create(
      { res: resources.deployments, namespace: NS },
      {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'web' }] },
          },
        },
      },
    );
    for (const name of ['web-0', 'web-1']) {
      await this.admin.create(
        { res: resources.pods, namespace: NS },
        { metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web' }] } },
      );
      await this.admin.mergePatch(
        { res: resources.pods, namespace: NS, name, subresource: 'status' },
        { status: { phase: 'Running', podIP: '127.0.0.1' } },
      );
    }
  }
}

function kubeConfigOf(cp: ControlPlane): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  return kc;
}
