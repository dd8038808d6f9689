/** The rendered document and the ConfigMap that carries it: pure, deterministic. */
import type { RedisMode, RenderedPolicy } from '../../lib/3-policy/types.js';
import { GROUP, KIND, VERSION } from '../../lib/3-policy/crd.js';
import { MANAGED_BY_LABEL, FIELD_MANAGER, POLICY_KEY, POLICY_LABEL, renderedConfigMapName } from '../../lib/3-policy/names.js';
import type { CachePolicyObject, ConfigMapObject } from '../../lib/3-policy/objects.js';
import { readWarmup, renderWarmup } from '../../lib/3-policy/warmup.js';

type RenderedRedis = NonNullable<RenderedPolicy['redis']>;

/** The failover fields the rendering reads (written by operator/failover/kube-seams.ts). */
interface FailoverFields {
  epoch?: unknown;
  address?: unknown;
  /** A WarmupRequest (requestedAt in Unix ms), read defensively. */
  warmup?: unknown;
}

/**
 * What services need to reach the primary: an address (they cannot resolve pod names), the
 * promotion epoch (a rise means "revalidate what was written before"), and a pending warmup.
 * A Redis Cluster client follows the cluster's own topology: no primary, no epoch, only a
 * warmup after a cold start.
 */
export function renderRedis(status: CachePolicyObject['status'], warmupWanted = true, mode: RedisMode = 'standalone'): RenderedRedis | undefined {
  const r = status?.redis;
  const f = (r?.failover ?? {}) as FailoverFields;
  // One brain watches a Redis for every policy that points at it, but each policy decides
  // for its own services whether a cold Redis is warmed (spec.warmup.onColdRedis).
  const request = warmupWanted ? readWarmup(f.warmup) : null;
  const warmup = request ? renderWarmup(request) : undefined;
  const rendered = mode === 'cluster' ? renderCluster(r) : renderStandalone(r, f);
  return rendered && { ...rendered, ...(warmup ? { warmup } : {}) };
}

type Status = NonNullable<CachePolicyObject['status']>['redis'];

function renderStandalone(r: Status, f: FailoverFields): RenderedRedis | undefined {
  const primary = typeof f.address === 'string' && f.address !== '' ? f.address : r?.primary;
  if (!primary) return undefined;
  return { primary, epoch: typeof f.epoch === 'number' ? f.epoch : (r?.promotions ?? 0) };
}

/** Rendered once the operator has observed the cluster (its warmup requests come no earlier). */
function renderCluster(r: Status): RenderedRedis | undefined {
  return r?.cluster === undefined ? undefined : { mode: 'cluster', epoch: 0 };
}

export function renderPolicy(p: CachePolicyObject): RenderedPolicy {
  const warmupWanted = (p.spec as { warmup?: { onColdRedis?: boolean } }).warmup?.onColdRedis !== false;
  const redis = renderRedis(p.status, warmupWanted, p.spec.redis?.mode ?? 'standalone');
  return {
    apiVersion: `${GROUP}/${VERSION}` as RenderedPolicy['apiVersion'],
    kind: 'RenderedCachePolicy',
    policy: p.metadata.name,
    namespace: p.metadata.namespace ?? '',
    generation: p.metadata.generation ?? 0,
    spec: p.spec,
    // The failover controller moves status.redis; services reconnect when the address changes.
    ...(redis ? { redis } : {}),
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
