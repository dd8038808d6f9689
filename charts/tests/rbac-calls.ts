/**
 * Every Kubernetes API call the operator and the services make, as RBAC rules whose every verb
 * names the code that needs it. The chart's Roles must grant exactly these rules
 * (least-privilege.int.test.ts, which also checks that each call site still makes its call);
 * least-privilege.kube.test.ts checks them by impersonation on a real API server.
 */

/** A call site: a file of the repository and a fragment of the call it makes. */
export interface CallSite {
  readonly file: string;
  readonly contains: string;
}

export interface Grant {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
  /** Each verb with the calls that need it; a verb no call needs has no place here. */
  readonly verbs: Readonly<Record<string, readonly CallSite[]>>;
}

const at = (file: string, contains: string): CallSite => ({ file, contains });
const informerOf = (res: string) => [
  at('operator/policy/controller.ts', `ctx.informer(resources.${res}`),
  at('operator/failover/controller.ts', `ctx.informer(resources.${res}`),
];
const INFORMER_LIST = at('lib/2-kube/informer.ts', 'this.opts.client.list<T>');
const INFORMER_WATCH = at('lib/2-kube/informer.ts', 'this.opts.client.watch<T>');

/** The operator's Role in the watched namespace, for release `hg` with `redis.replicas` Redis pods. */
export function operatorGrants(redisPods: readonly string[]): Grant[] {
  return [
    {
      apiGroups: ['herdguard.io'],
      resources: ['cachepolicies'],
      verbs: {
        list: [INFORMER_LIST, ...informerOf('cachePolicies')],
        watch: [INFORMER_WATCH, ...informerOf('cachePolicies')],
        patch: [
          at('operator/policy/controller.ts', 'finalizers: [...(policy.metadata.finalizers ?? []), FINALIZER]'),
          at('operator/policy/controller.ts', '.filter((f) => f !== FINALIZER)'),
        ],
      },
    },
    {
      apiGroups: ['herdguard.io'],
      resources: ['cachepolicies/status'],
      verbs: {
        patch: [at('operator/policy/controller.ts', "subresource: 'status'"), at('operator/failover/kube-seams.ts', "subresource: 'status'")],
      },
    },
    {
      apiGroups: [''],
      resources: ['configmaps'],
      verbs: {
        list: [INFORMER_LIST, at('operator/policy/controller.ts', 'ctx.informer(resources.configMaps'), at('operator/failover/record-store.ts', 'fieldSelector: `metadata.name=${this.name}`')],
        watch: [INFORMER_WATCH, at('operator/policy/controller.ts', 'ctx.informer(resources.configMaps')],
        create: [at('operator/failover/record-store.ts', 'this.o.client.create<RecordConfigMap>')],
        patch: [at('operator/policy/controller.ts', 'ctx.client.apply<ConfigMapObject>'), at('operator/failover/record-store.ts', 'this.o.client.mergePatch<RecordConfigMap>')],
        delete: [at('operator/policy/controller.ts', 'ctx.client.delete({ res: resources.configMaps')],
      },
    },
    {
      apiGroups: [''],
      resources: ['pods'],
      verbs: { list: [INFORMER_LIST, ...informerOf('pods')], watch: [INFORMER_WATCH, ...informerOf('pods')] },
    },
    {
      apiGroups: [''],
      resources: ['pods'],
      resourceNames: redisPods,
      verbs: {
        patch: [
          at('operator/failover/kube-seams.ts', '{ metadata: { labels: { [ROLE_LABEL]: null } } }'),
          at('operator/failover/kube-seams.ts', '{ metadata: { labels: { [ROLE_LABEL]: PRIMARY_ROLE } } }'),
        ],
      },
    },
    { apiGroups: [''], resources: ['events'], verbs: { create: [at('lib/2-kube/events.ts', 'client.create({ res: resources.events')] } },
    {
      apiGroups: ['apps'],
      resources: ['deployments', 'statefulsets'],
      verbs: {
        list: [INFORMER_LIST, ...informerOf('deployments'), ...informerOf('statefulSets')],
        watch: [INFORMER_WATCH, ...informerOf('deployments'), ...informerOf('statefulSets')],
      },
    },
  ];
}

/** The operator's leader-election Role in the release namespace (lib/3-policy/names.ts LEASE_NAME). */
export const LEASE_GRANTS: Grant[] = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: { create: [at('lib/2-kube/leader.ts', 'this.opts.client.create(')] } },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: ['herdguard-operator'],
    verbs: {
      get: [at('lib/2-kube/leader.ts', 'this.opts.client.get<Lease>(this.target())')],
      update: [at('lib/2-kube/leader.ts', 'this.opts.client.update<Lease>(this.target(), body)'), at('lib/2-kube/leader.ts', 'this.opts.client.update(this.target(), {')],
    },
  },
];

/** A policy-reading service's Role (profile, market-data): its own policy ConfigMap, and Pod reports. */
export function serviceGrants(policyConfigMap: string): Grant[] {
  return [
    {
      apiGroups: [''],
      resources: ['configmaps'],
      resourceNames: [policyConfigMap],
      verbs: {
        list: [INFORMER_LIST, at('lib/4-cache/sources/kube-source.ts', 'fieldSelector: `metadata.name=${this.o.configMap}`')],
        watch: [INFORMER_WATCH, at('lib/4-cache/sources/kube-source.ts', 'fieldSelector: `metadata.name=${this.o.configMap}`')],
      },
    },
    {
      apiGroups: [''],
      resources: ['pods'],
      verbs: { patch: [at('lib/4-cache/sources/pod-report.ts', 'client.mergePatch({ res: resources.pods')] },
    },
  ];
}

/** A Grant as the RBAC rule the chart renders. */
export const asRule = (g: Grant) => ({
  apiGroups: [...g.apiGroups],
  resources: [...g.resources],
  ...(g.resourceNames ? { resourceNames: [...g.resourceNames] } : {}),
  verbs: Object.keys(g.verbs),
});
