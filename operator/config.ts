/** Operator configuration from the environment, checked up front with messages naming the variable. */
import { hostname } from 'node:os';
import { LEASE_NAME } from '../lib/3-policy/names.js';

export interface OperatorConfig {
  watchNamespace: string | undefined;
  metricsPort: number;
  identity: string;
  leaderElection: false | { namespace: string; name: string; leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number };
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`expected ${name} to be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
  }
  return n;
}

export function operatorConfig(env: Env = process.env): OperatorConfig {
  const le = env['LEADER_ELECTION'] ?? 'true';
  if (le !== 'true' && le !== 'false') throw new RangeError(`expected LEADER_ELECTION to be true or false, got ${JSON.stringify(le)}`);
  const leaseMs = int(env, 'LEASE_DURATION_MS', 15_000, 1000, 600_000);
  const metricsPort = int(env, 'METRICS_PORT', 8080, 0, 65535);
  const healthPort = int(env, 'HEALTH_PORT', metricsPort, 0, 65535);
  if (healthPort !== metricsPort) {
    throw new RangeError(`HEALTH_PORT (${healthPort}) must equal METRICS_PORT (${metricsPort}): one server answers /metrics, /healthz and /readyz`);
  }
  return {
    watchNamespace: env['WATCH_NAMESPACE'] || undefined,
    metricsPort,
    identity: env['POD_NAME'] || `${hostname()}-${process.pid}`,
    leaderElection:
      le === 'false'
        ? false
        : {
            namespace: env['LEADER_ELECTION_NAMESPACE'] || env['WATCH_NAMESPACE'] || env['POD_NAMESPACE'] || 'default',
            name: LEASE_NAME,
            leaseDurationMs: leaseMs,
            renewDeadlineMs: Math.round(leaseMs * (2 / 3)),
            retryPeriodMs: Math.max(200, Math.round(leaseMs / 7.5)),
          },
  };
}
