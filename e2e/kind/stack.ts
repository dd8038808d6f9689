/**
 * Pure mapping from the scenarios' StackSpec to what the kind provider installs: the helm
 * values and the CachePolicies (named after the chart's workloads). Kept pure so the
 * chart tests can render and server-dry-run exactly these values.
 */
import type { ServiceSpec, StackSpec } from '../providers/provider.js';

export const RELEASE = 'herdguard';
/** The chart's fullname for release "herdguard" (the chart name is contained in it). */
export const FULLNAME = 'herdguard';
export const IMAGE_TAG = 'e2e';
export const IMAGES = { operator: `herdguard/operator:${IMAGE_TAG}`, services: `herdguard/services:${IMAGE_TAG}` } as const;

export const workloadName = (svc: ServiceSpec['name']): string => `${FULLNAME}-${svc}`;

/** `--set` pairs for helm upgrade --install. */
export function helmValues(stack: StackSpec): Record<string, string | number | boolean> {
  const replicas = (name: ServiceSpec['name']) => stack.services.find((s) => s.name === name)?.replicas ?? 0;
  return {
    'image.operator.tag': IMAGE_TAG,
    'image.services.tag': IMAGE_TAG,
    'image.pullPolicy': 'IfNotPresent',
    'operator.replicas': stack.operator === false ? 0 : 2,
    'operator.logLevel': 'info',
    'examples.enabled': stack.services.length > 0,
    // The scenarios apply their own policies (below), as the local provider does.
    'examples.samplePolicies': false,
    'examples.profile.replicas': replicas('profile'),
    'examples.marketData.replicas': replicas('market-data'),
  };
}

export function helmSetArgs(values: Record<string, string | number | boolean>): string[] {
  return Object.entries(values).flatMap(([k, v]) => ['--set', `${k}=${String(v)}`]);
}

/** The scenario's policy, pointed at the chart's Deployment and Redis StatefulSet. */
export function cachePolicy(namespace: string, svc: ServiceSpec): Record<string, unknown> {
  const name = workloadName(svc.name);
  const spec = svc.policySpec as { redis?: Record<string, unknown> };
  return {
    apiVersion: 'herdguard.io/v1alpha1',
    kind: 'CachePolicy',
    metadata: { name, namespace },
    spec: {
      ...svc.policySpec,
      targetRef: { kind: 'Deployment', name },
      redis: { ...spec.redis, statefulSetRef: { name: `${FULLNAME}-redis` } },
    },
  };
}
