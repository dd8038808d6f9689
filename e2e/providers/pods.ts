/** The release's pods as the scenarios need them, read from the API (no kubelet is played). */
import type { Provider } from './provider.js';

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly ip: string;
  readonly nodeName: string;
  readonly phase: string;
  readonly ready: boolean;
  readonly deleting: boolean;
  /** app.kubernetes.io/component */
  readonly component: string;
  /** The owning controller, "<kind>/<name>" (a ReplicaSet's name keeps the Deployment's). */
  readonly owner: string;
  /** The first container's runtime id (without the "containerd://" scheme), when running. */
  readonly containerId: string | undefined;
}

interface PodObject {
  metadata: { name: string; namespace: string; uid: string; labels?: Record<string, string>; deletionTimestamp?: string; ownerReferences?: { kind: string; name: string }[] };
  spec: { nodeName?: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { containerID?: string; state?: { running?: unknown } }[];
  };
}

export async function podsOf(p: Pick<Provider, 'kubectl'>, namespace: string): Promise<Pod[]> {
  const list = JSON.parse(await p.kubectl(['get', 'pods', '-n', namespace, '-o', 'json'])) as { items: PodObject[] };
  return list.items.map((o) => {
    const owner = o.metadata.ownerReferences?.[0];
    const running = o.status.containerStatuses?.find((c) => c.state?.running);
    return {
      namespace: o.metadata.namespace,
      name: o.metadata.name,
      uid: o.metadata.uid,
      ip: o.status.podIP ?? '',
      nodeName: o.spec.nodeName ?? '',
      phase: o.status.phase ?? 'Unknown',
      ready: o.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      deleting: o.metadata.deletionTimestamp !== undefined,
      component: o.metadata.labels?.['app.kubernetes.io/component'] ?? '',
      owner: owner ? `${owner.kind}/${owner.kind === 'ReplicaSet' ? owner.name.replace(/-[a-z0-9]+$/, '') : owner.name}` : '',
      containerId: running?.containerID?.replace(/^[a-z]+:\/\//, ''),
    };
  });
}
