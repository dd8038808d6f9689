/**
 * Pure mapping from a scenario's StackSpec to what the chart provider installs: the Helm
 * values and the CachePolicies (named after the chart's workloads). Kept pure so the chart
 * tests can render and server-dry-run exactly these values.
 */
import type { ServiceSpec, StackSpec } from './provider.js';

export const RELEASE = 'herdguard';
/** The chart's fullname for release "herdguard" (the chart name is contained in it). */
export const FULLNAME = 'herdguard';
/**
 * Fixed e2e credentials, so the scenarios can speak to Redis and PostgreSQL directly. The
 * services and the operator use their own Redis ACL users; the scenarios AUTH with a bare
 * password (E2E_REDIS_PASSWORD), so the e2e release turns Redis's default user on for them.
 */
export const E2E_REDIS_PASSWORD = 'e2e-redis-password';
export const E2E_REDIS_PASSWORDS = {
  services: 'e2e-redis-services',
  operator: 'e2e-redis-operator',
  replication: 'e2e-redis-replication',
  probe: 'e2e-redis-probe',
  default: E2E_REDIS_PASSWORD,
};
/** The application role's (not a superuser: profile's user). */
export const E2E_POSTGRES_PASSWORD = 'e2e-postgres-password';

export const workloadName = (svc: ServiceSpec['name']): string => `${FULLNAME}-${svc}`;
export const redisStatefulSet = `${FULLNAME}-redis`;

const envList = (env: Readonly<Record<string, string>> | undefined) =>
  Object.entries(env ?? {}).map(([name, value]) => ({ name, value }));

type Values = Record<string, unknown>;
const isObject = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's own rule for layered values: maps merge key by key, anything else is replaced. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? mergeValues(out[k], v) : v;
  return out;
}

/** The chart's values for a stack, over the cluster's image values. */
export function helmValues(stack: StackSpec, images: Values = {}): Values {
  return mergeValues(images, stackValues(stack));
}

function stackValues(stack: StackSpec): Values {
  const svc = (name: ServiceSpec['name']) => stack.services.find((s) => s.name === name);
  const f = stack.feedSimulator;
  return {
    operator: {
      replicas: stack.operator === false ? 0 : (stack.operators ?? 1),
      logLevel: 'info',
      extraEnv: envList(stack.operatorEnv),
      ...(stack.operatorArgs ? { args: [...stack.operatorArgs] } : {}),
    },
    redis: { replicas: stack.redis?.pods ?? 2, auth: { passwords: E2E_REDIS_PASSWORDS, defaultUser: { enabled: true } } },
    postgresql: { auth: { password: E2E_POSTGRES_PASSWORD } },
    examples: {
      enabled: stack.services.length > 0,
      // The scenarios apply their own policies (below).
      samplePolicies: false,
      // The scenarios seed the users they need themselves (stack.postgres), after the rollout.
      profile: { replicas: svc('profile')?.replicas ?? 0, extraEnv: envList(svc('profile')?.env), seedUsers: 0 },
      marketData: { replicas: svc('market-data')?.replicas ?? 0, extraEnv: envList(svc('market-data')?.env) },
      feedSimulator: {
        extraEnv: envList({
          ...(f?.ratePerSecond === undefined ? {} : { RATE_LIMIT: String(f.ratePerSecond) }),
          ...(f?.latencyMs === undefined ? {} : { LATENCY_MS: String(f.latencyMs) }),
        }),
      },
    },
  };
}

/**
 * The scenario's policy, pointed at the chart's Deployment and Redis StatefulSet. Every
 * policy names the Redis, as the chart's samples do: the operator then keeps the role=primary
 * label the chart's primary Service selects, so the services can reach Redis at all.
 */
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
      redis: { ...spec.redis, statefulSetRef: { name: redisStatefulSet } },
    },
  };
}
