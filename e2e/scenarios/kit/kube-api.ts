/** The scenario's view of the API: the CachePolicy status, the rendered policy, Pod labels. */
import { KubeConfig } from '@kubernetes/client-node';
import { HttpKubeClient } from '../../../lib/2-kube/client.js';
import { resources, type KubeObject } from '../../../lib/2-kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../../../lib/3-policy/names.js';
import type { CachePolicyObject } from '../../../lib/3-policy/objects.js';
import { NS } from './policies.js';

export class KubeApi {
  readonly client: HttpKubeClient;
  constructor(
    kubeconfigPath: string,
    /** The profile's CachePolicy (and so its rendered ConfigMap). */
    private readonly policyName: string,
    /** The Pod behind a process name ('redis-1'). */
    private readonly podOf: (name: string) => string,
  ) {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    this.client = new HttpKubeClient({ kubeConfig: kc, userAgent: 'herdguard-e2e-redis' });
  }

  async policy(): Promise<CachePolicyObject> {
    return this.client.get<CachePolicyObject>({ res: resources.cachePolicies, namespace: NS, name: this.policyName });
  }

  /** `redis.primary` (host:port) of the rendered policy the services watch, or null. */
  async renderedPrimary(): Promise<string | null> {
    const cm = await this.client.get<KubeObject & { data?: Record<string, string> }>({
      res: resources.configMaps,
      namespace: NS,
      name: renderedConfigMapName(this.policyName),
    });
    const doc = JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { redis?: { primary?: string } };
    return doc.redis?.primary ?? null;
  }

  /** A label of the Pod behind a process name. */
  async podLabel(name: string, label: string): Promise<string | undefined> {
    return (await this.client.get<KubeObject>({ res: resources.pods, namespace: NS, name: this.podOf(name) })).metadata.labels?.[label];
  }

  close(): void {
    this.client.close();
  }
}
