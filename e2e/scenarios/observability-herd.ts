/**
 * observability-live's load: bench/herd's cycles against the profile pods, with the profile
 * CachePolicy switched between herd-lab modes with kubectl. Split from the scenario so each
 * file keeps one job; everything reaches the pods through the provider.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import pg from 'pg';
import { HttpLoad } from '../../bench/herd/burst.js';
import { metricValue } from '../../bench/herd/fleet.js';
import { policySpec, type Mode } from '../../bench/herd/modes.js';
import { runOne, type RunSizes } from '../../bench/herd/run.js';
import { createRedisClient } from '../../example-app/profile/app.js';
import { ProfileDb } from '../../example-app/profile/db.js';
import { HttpKubeClient } from '../../lib/2-kube/client.js';
import { resources, type KubeObject } from '../../lib/2-kube/resources.js';
import { POLICY_KEY, renderedConfigMapName } from '../../lib/3-policy/names.js';
import { waitFor } from '../../testkit/process.js';
import type { Provider } from '../providers/provider.js';
import { PROFILE_REDIS } from './kit/policies.js';
import { resetOriginCounts } from './postgres-faults.js';

export const PROFILES = 2;
/** Small enough for 2 shared cores; a baseline burst still queues hundreds on each pool of 10. */
export const SIZES: RunSizes = { users: 3000, burst: 1500, ttlMs: 2000, l1TtlMs: 500, seed: 7 };

/** The CachePolicy of the profile service in a herd-lab mode, plus the Redis the operator manages. */
export const profileSpec = (mode: Mode) => ({ ...policySpec(mode, SIZES), redis: PROFILE_REDIS });

export const profileEndpoints = (p: Provider) => p.processes().filter((n) => n.startsWith('profile-')).map((n) => p.endpoint(n));

/** kubectl apply of the profile CachePolicy; resolves once every profile pod reports the new generation. */
export async function applyProfilePolicy(p: Provider, namespace: string, mode: Mode): Promise<number> {
  const manifest = p.cachePolicy(namespace, { name: 'profile', replicas: PROFILES, policySpec: profileSpec(mode) });
  const generation = Number((await p.kubectl(['apply', '-f', '-', '-o', 'jsonpath={.metadata.generation}'], JSON.stringify(manifest))).trim());
  for (const url of profileEndpoints(p)) {
    await waitFor(`${url} applied CachePolicy ${p.policyName('profile')} generation ${generation} (${mode})`, async () => {
      const text = await fetch(`${url}/metrics`).then((r) => r.text());
      return metricValue(text, 'herdguard_policy_generation_applied', { service: 'profile' }) === generation;
    }, 30_000);
  }
  return generation;
}

/**
 * The Redis process answering as master, asked of every Redis pod (ROLE): the pod the chart
 * starts as primary is a convention, the role is what the herd's flushes and the kill need.
 */
export async function redisPrimary(p: Provider): Promise<string> {
  const masters: string[] = [];
  for (const name of p.processes().filter((n) => n.startsWith('redis-'))) {
    const a = p.redisAddress(name);
    const r = new Redis({ host: a.host, port: a.port, password: a.password, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
    try {
      await r.connect();
      const [role] = (await r.call('ROLE')) as [string, ...unknown[]];
      if (role === 'master') masters.push(name);
    } finally {
      r.disconnect();
    }
  }
  if (masters.length !== 1) throw new Error(`expected one Redis master, found ${masters.length}: ${masters.join(', ') || 'none'}`);
  return masters[0]!;
}

/** `redis.primary` of the profile's rendered policy, the address the services follow: what the operator published. */
export class PublishedPrimary {
  private readonly client: HttpKubeClient;
  private readonly configMap: string;
  constructor(p: Provider, private readonly namespace: string) {
    const kc = new KubeConfig();
    kc.loadFromFile(p.kubeconfigPath);
    // An HTTP client, not kubectl: the failover is polled every 50 ms on 2 shared cores.
    this.client = new HttpKubeClient({ kubeConfig: kc, userAgent: 'herdguard-e2e-observability' });
    this.configMap = renderedConfigMapName(p.policyName('profile'));
  }

  async get(): Promise<string | null> {
    const cm = await this.client.get<KubeObject & { data?: Record<string, string> }>({ res: resources.configMaps, namespace: this.namespace, name: this.configMap });
    const doc = JSON.parse(cm.data?.[POLICY_KEY] ?? '{}') as { redis?: { primary?: string } };
    return doc.redis?.primary ?? null;
  }

  close(): void {
    this.client.close();
  }
}

export interface HerdKit {
  readonly load: HttpLoad;
  readonly db: ProfileDb;
  readonly admin: pg.Client;
  /** Zeroes pg_stat_statements as the superuser in the PostgreSQL pod (`admin` is the app role). */
  readonly resetOriginCounts: () => Promise<void>;
  readonly redisUrl: string;
  close(): Promise<void>;
}

/** The herd's clients: HTTP to the profile pods, PostgreSQL (warming, pg_stat_statements), the Redis primary. */
export async function herdKit(p: Provider, namespace: string, primary: string): Promise<HerdKit> {
  const a = p.redisAddress(primary);
  const redisUrl = `redis://:${encodeURIComponent(a.password)}@${a.host}:${a.port}`;
  const admin = new pg.Client({ connectionString: p.databaseUrl() });
  await admin.connect();
  const db = new ProfileDb({ url: p.databaseUrl(), poolMax: 4, service: 'observability-live-warm' });
  const load = new HttpLoad(profileEndpoints(p), Math.ceil(SIZES.burst / PROFILES) + 8);
  return {
    load,
    db,
    admin,
    resetOriginCounts: () => resetOriginCounts(p, namespace),
    redisUrl,
    async close() {
      await load.close();
      await db.close();
      await admin.end();
    },
  };
}

export interface HerdOutcome {
  readonly cycles: number;
  readonly originPerKey: number[];
  readonly peakPoolWaiting: number;
}

/** bench/herd's runOne (flush, aligned warm, steady burst, wait for the common expiry, herd burst) until `ms` has passed. */
export async function herdCycles(log: (m: string) => void, kit: HerdKit, mode: Mode, ms: number): Promise<HerdOutcome> {
  const redis = createRedisClient(kit.redisUrl);
  const until = Date.now() + ms;
  const originPerKey: number[] = [];
  let peakPoolWaiting = 0;
  try {
    for (let i = 0; Date.now() < until; i++) {
      const r = await runOne({ mode, dist: 'uniform', sizes: { ...SIZES, seed: SIZES.seed + i }, load: kit.load, redis, redisUrl: kit.redisUrl, db: kit.db, admin: kit.admin, resetOriginCounts: kit.resetOriginCounts, log: () => undefined });
      originPerKey.push(r.originQueriesPerKey);
      peakPoolWaiting = Math.max(peakPoolWaiting, r.peakPoolWaiting);
      log(`  ${mode} cycle ${i + 1}: origin ${r.originQueriesPerKey.toFixed(2)}/key, herd p99 ${r.p99Ms.toFixed(0)} ms, peak pool waiting ${r.peakPoolWaiting}, errors ${r.errors}`);
    }
  } finally {
    redis.disconnect();
  }
  return { cycles: originPerKey.length, originPerKey, peakPoolWaiting };
}
