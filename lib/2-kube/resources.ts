/** The API resources the operator touches, named once; `plural` doubles as a bounded metric label. */
export interface Resource {
  readonly group: string; // '' for the core API
  readonly version: string;
  readonly plural: string;
  readonly kind: string;
}

const r = (group: string, version: string, plural: string, kind: string): Resource => ({ group, version, plural, kind });

export const resources = {
  cachePolicies: r('herdguard.io', 'v1alpha1', 'cachepolicies', 'CachePolicy'),
  configMaps: r('', 'v1', 'configmaps', 'ConfigMap'),
  pods: r('', 'v1', 'pods', 'Pod'),
  events: r('', 'v1', 'events', 'Event'),
  deployments: r('apps', 'v1', 'deployments', 'Deployment'),
  statefulSets: r('apps', 'v1', 'statefulsets', 'StatefulSet'),
  leases: r('coordination.k8s.io', 'v1', 'leases', 'Lease'),
} as const;

export const apiVersionOf = (res: Resource): string => (res.group ? `${res.group}/${res.version}` : res.version);

export function resourcePath(res: Resource, namespace?: string, name?: string, subresource?: string): string {
  let p = res.group ? `/apis/${res.group}/${res.version}` : `/api/${res.version}`;
  if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${res.plural}`;
  if (name) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** The minimal object shape every informer and reconcile reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
    creationTimestamp?: string;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  };
}

export const objectKey = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
