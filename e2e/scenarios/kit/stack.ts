/**
 * The stack of the Redis chaos scenarios (a Redis StatefulSet, PostgreSQL, the profile
 * instances, the operator) and the small questions asked of it: where the profile instances
 * answer, which operator leads, and waiting until something holds.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Provider, ServiceSpec, StackSpec } from '../../providers/provider.js';
import type { ScenarioContext } from '../scenario.js';
import { KubeApi } from './kube-api.js';
import { INSTANCES, NS, PROFILE_POLICY, SERVICE, USERS } from './policies.js';

export interface StackOptions {
  readonly redisPods: number;
  readonly operators?: number;
  readonly operatorEnv?: Readonly<Record<string, string>>;
  /** The operator container's args: another entry point of the image (operator/chaos/…). */
  readonly operatorArgs?: readonly string[];
  /** The profile's CachePolicy spec (default PROFILE_POLICY). */
  readonly policySpec?: Record<string, unknown>;
  /** Services deployed beside the profile instances (the demo adds market-data). */
  readonly extraServices?: readonly ServiceSpec[];
  readonly feedSimulator?: StackSpec['feedSimulator'];
}

/** Deploys the stack and waits until every profile instance follows the primary the operator published. */
export async function deployRedisStack(ctx: ScenarioContext, o: StackOptions): Promise<KubeApi> {
  await ctx.provider.deployStack({
    namespace: NS,
    redis: { pods: o.redisPods },
    postgres: { users: USERS },
    operators: o.operators ?? 1,
    ...(o.operatorEnv ? { operatorEnv: o.operatorEnv } : {}),
    ...(o.operatorArgs ? { operatorArgs: o.operatorArgs } : {}),
    ...(o.feedSimulator ? { feedSimulator: o.feedSimulator } : {}),
    services: [{ name: SERVICE, replicas: INSTANCES, policySpec: o.policySpec ?? PROFILE_POLICY }, ...(o.extraServices ?? [])],
  });
  const api = new KubeApi(ctx.provider.kubeconfigPath, ctx.provider.policyName(SERVICE), (n) => ctx.provider.podName(n));
  await until('the operator published the Redis primary', async () => (await api.renderedPrimary()) !== null, 60_000);
  ctx.log(`stack up: ${ctx.provider.processes().join(', ')}; primary ${String(await api.renderedPrimary())}`);
  return api;
}

/** Polls `probe` every 50 ms until true; throws naming what never happened. */
export async function until(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await probe().catch(() => false)) return performance.now();
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** Which operator process holds the leader Lease (herdguard_operator_leader 1). */
export async function leaderOperator(p: Provider): Promise<string | null> {
  for (const name of p.processes().filter((n) => n.startsWith('operator'))) {
    const text = await fetch(`${p.endpoint(name)}/metrics`).then((r) => r.text(), () => '');
    if (/^herdguard_operator_leader 1$/m.test(text)) return name;
  }
  return null;
}

export function profileEndpoints(p: Provider): string[] {
  return p.processes().filter((n) => n.startsWith(`${SERVICE}-`)).map((n) => p.endpoint(n));
}
