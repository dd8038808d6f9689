/** Names the operator and the services agree on, each spelled once. */
export const FIELD_MANAGER = 'herdguard-operator';
/** Set on every CachePolicy so its rendered ConfigMap is removed even where no garbage collector runs. */
export const FINALIZER = 'herdguard.io/cleanup';
/** Pod annotation a service writes after applying a policy: "<policy>/<generation>". */
export const APPLIED_GENERATION_ANNOTATION = 'herdguard.io/applied-generation';
export const POLICY_LABEL = 'herdguard.io/policy';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Key in the rendered ConfigMap holding the RenderedPolicy JSON. */
export const POLICY_KEY = 'policy.json';
export const LEASE_NAME = 'herdguard-operator';

/** The ConfigMap a CachePolicy renders into: `<policy>-herdguard-policy` in the policy's namespace. */
export const renderedConfigMapName = (policy: string): string => `${policy}-herdguard-policy`;

export const appliedGenerationValue = (policy: string, generation: number): string => `${policy}/${generation}`;
