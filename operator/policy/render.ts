/** The rendered document and the ConfigMap that carries it: pure, deterministic. */
import type { RenderedPolicy } from '../../example-app/cache/policy/types.js';
import { GROUP, KIND, VERSION } from '../crd/cachepolicy-crd.js';
import { MANAGED_BY_LABEL, FIELD_MANAGER, POLICY_KEY, POLICY_LABEL, renderedConfigMapName } from '../names.js';
import type { CachePolicyObject, ConfigMapObject } from './types.js';

export function renderPolicy(p: CachePolicyObject): RenderedPolicy {
  const primary = p.status?.redis?.primary;
  return {
    apiVersion: `${GROUP}/${VERSION}` as RenderedPolicy['apiVersion'],
    kind: 'RenderedCachePolicy',
    policy: p.metadata.name,
    namespace: p.metadata.namespace ?? '',
    generation: p.metadata.generation ?? 0,
    spec: p.spec,
    // The failover controller moves status.redis.primary; services reconnect when it changes.
    ...(primary ? { redis: { primary, epoch: p.status?.redis?.promotions ?? 0 } } : {}),
  };
}

/** The full desired ConfigMap, as sent by server-side apply. */
export function desiredConfigMap(p: CachePolicyObject): ConfigMapObject & { apiVersion: string; kind: string } {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: renderedConfigMapName(p.metadata.name),
      namespace: p.metadata.namespace ?? '',
      labels: { [MANAGED_BY_LABEL]: FIELD_MANAGER, [POLICY_LABEL]: p.metadata.name },
      ownerReferences: [
        { apiVersion: `${GROUP}/${VERSION}`, kind: KIND, name: p.metadata.name, uid: p.metadata.uid ?? '', controller: true },
      ],
    },
    data: { [POLICY_KEY]: JSON.stringify(renderPolicy(p)) },
  };
}

/** Whether the live ConfigMap already carries everything desired (extra fields others set are fine). */
export function configMapUpToDate(actual: ConfigMapObject | undefined, desired: ConfigMapObject): boolean {
  if (!actual) return false;
  const labelsOk = Object.entries(desired.metadata.labels ?? {}).every(([k, v]) => actual.metadata.labels?.[k] === v);
  const owner = desired.metadata.ownerReferences?.[0];
  const ownerOk = (actual.metadata.ownerReferences ?? []).some((r) => r.uid === owner?.uid && r.controller === true);
  return labelsOk && ownerOk && actual.data?.[POLICY_KEY] === desired.data?.[POLICY_KEY];
}
