/**
 * The Redis failover controller: one brain per Redis StatefulSet, however many
 * CachePolicies point at it (the key is the StatefulSet, not the policy). Each reconcile
 * is one brain tick and asks to come back after checkInterval, so the check loop is owned
 * by the leader's work queue: it stops the moment this replica stops leading. A Redis whose
 * policy says `redis.mode: cluster` gets a ClusterWatch instead of a brain: Redis Cluster
 * fails over by itself, so nothing that could promote is even created for it.
 */
import { randomUUID } from 'node:crypto';
import type { Registry } from 'prom-client';
import { PolicyInvalidError } from '../../lib/1-ground/errors.js';
import type { Controller, ReconcileContext, ReconcileOutcome, SetupContext } from '../controller.js';
import type { Clock } from '../../lib/1-ground/clock.js';
import type { Informer } from '../../lib/2-kube/informer.js';
import { objectKey, resources } from '../../lib/2-kube/resources.js';
import { DEFAULT_FAILOVER, DEFAULT_WARMUP } from '../../lib/3-policy/defaults.js';
import { parsePolicySpec } from '../../lib/3-policy/load.js';
import type { CachePolicyObject, PodObject, WorkloadObject } from '../../lib/3-policy/objects.js';
import type { FailoverPolicy, RedisMode, WarmupPolicy } from '../../lib/3-policy/types.js';
import { FailoverBrain, type FailoverConfig, type FailoverSeams } from './brain.js';
import { kubeSeams, recordFrom, type KubeSeamsInput } from './kube-seams.js';
import { RecordStore } from './record-store.js';
import { failoverMetrics, type FailoverMetrics } from './metrics.js';
import { redisAuthFromEnv, type RedisAuth } from './auth.js';
import { createRedisAdmin, type RedisAdmin } from './redis-admin.js';
import { ClusterWatch } from './cluster-watch.js';
import { createClusterProber, type ClusterProber } from './cluster-probe.js';

interface BrainEntry {
  readonly mode: 'standalone';
  brain: FailoverBrain;
  admin: RedisAdmin;
  memory: KubeSeamsInput['memory'];
  store: RecordStore;
}

interface WatchEntry {
  readonly mode: 'cluster';
  watch: ClusterWatch;
  prober: ClusterProber;
  /** Removes the watch's gauge series: a cluster nobody watches any more must not keep its last state. */
  forgetMetrics: () => void;
}

type Entry = BrainEntry | WatchEntry;

function closeEntry(e: Entry): Promise<void> {
  if (e.mode === 'standalone') return e.admin.close();
  e.forgetMetrics();
  return e.prober.close();
}

/** Failover settings for a Redis: from the parsed spec of the alphabetically first policy, so the choice is stable. */
export function failoverConfig(redis: string, policies: CachePolicyObject[], instances: number): FailoverConfig {
  const { failover, warmup } = settingsOf(policies[0]);
  const { onColdRedis, topKeys, ratePerSecond } = warmup;
  return { redis, ...failover, warmup: { onColdRedis, topKeys, ratePerSecond }, instances: Math.max(1, instances) };
}

/**
 * The API server admitted the spec under the same schema and rules, so it parses. One that
 * does not (stored under an older CRD) still gets its Redis watched, with the defaults: its
 * services refuse it too, and say so in the policy's PolicyApplied condition.
 */
function settingsOf(p: CachePolicyObject | undefined): { failover: FailoverPolicy; warmup: WarmupPolicy; mode: RedisMode } {
  const defaults = { failover: DEFAULT_FAILOVER, warmup: DEFAULT_WARMUP, mode: clusterNamed(p) ? 'cluster' : 'standalone' } as const;
  if (!p) return defaults;
  try {
    const parsed = parsePolicySpec(p.spec);
    return { failover: parsed.redis.failover, warmup: parsed.warmup, mode: parsed.redis.mode };
  } catch (err) {
    if (!(err instanceof PolicyInvalidError)) throw err;
    return defaults;
  }
}

/** Even a policy that no longer parses keeps a cluster it names out of any brain's reach: promoting a cluster node would split it. */
const clusterNamed = (p: CachePolicyObject | undefined): boolean => p?.spec.redis?.mode === 'cluster';

/** Standalone (a brain that promotes) or cluster (a watch that never does), from the same policy as failoverConfig. */
export function redisModeOf(policies: CachePolicyObject[]): RedisMode {
  return settingsOf(policies[0]).mode;
}

/** Wraps a brain's seams (its only way to Kubernetes): an extension point for entry points that observe or slow its steps. */
export type SeamsDecorator = (seams: FailoverSeams, redis: string) => FailoverSeams;

export class RedisFailoverController implements Controller {
  readonly name = 'redis-failover';
  /** The queue runs one reconcile per key at a time, so a brain never ticks twice at once; two workers serve two Redis. */
  readonly workers = 2;
  private policies!: Informer<CachePolicyObject>;
  private pods!: Informer<PodObject>;
  private statefulSets!: Informer<WorkloadObject>;
  private deployments!: Informer<WorkloadObject>;
  private readonly brains = new Map<string, Entry>();
  private readonly metrics: FailoverMetrics | undefined;
  private readonly decorateSeams: SeamsDecorator;
  private readonly auth: RedisAuth;
  private readonly leadership: (() => Promise<void>) | undefined;

  /**
   * `auth` defaults to REDIS_PASSWORD from the environment (validated here, so a bad value
   * stops the operator at startup with a message naming the variable). `leadership` is the
   * elector's lease check (LeaderElector.ensureLeading), run before every mutating step.
   */
  constructor(
    opts: {
      registry?: Registry;
      decorateSeams?: SeamsDecorator;
      auth?: RedisAuth;
      leadership?: () => Promise<void>;
    } = {},
  ) {
    this.metrics = opts.registry ? failoverMetrics(opts.registry) : undefined;
    this.decorateSeams = opts.decorateSeams ?? ((seams) => seams);
    this.auth = opts.auth ?? redisAuthFromEnv(process.env);
    this.leadership = opts.leadership;
  }

  /** Closes every admin connection; call after the manager stopped (operator shutdown). */
  async close(): Promise<void> {
    const all = [...this.brains.values()];
    this.brains.clear();
    await Promise.all(all.map(closeEntry));
  }

  /** Brains of this Redis key, for the chaos scenarios (max primaries observed); none for a Redis Cluster. */
  brainFor(key: string): FailoverBrain | undefined {
    const e = this.brains.get(key);
    return e?.mode === 'standalone' ? e.brain : undefined;
  }

  /** The watch of this Redis key when it is a Redis Cluster. */
  watchFor(key: string): ClusterWatch | undefined {
    const e = this.brains.get(key);
    return e?.mode === 'cluster' ? e.watch : undefined;
  }

  setup(ctx: SetupContext): void {
    this.policies = ctx.informer(resources.cachePolicies);
    this.pods = ctx.informer(resources.pods);
    this.statefulSets = ctx.informer(resources.statefulSets);
    this.deployments = ctx.informer(resources.deployments);
    const enqueueAll = () => this.allKeys().forEach((k) => ctx.enqueue(k));
    this.policies.on({ onAdd: enqueueAll, onUpdate: enqueueAll, onDelete: enqueueAll });
  }

  /** Called at the start of every leadership term: health seen in an earlier term is stale. */
  allKeys(): string[] {
    const keys = new Set(this.policies.list().flatMap((p) => this.redisKey(p)));
    for (const [key, e] of this.brains) {
      if (keys.has(key)) continue;
      this.brains.delete(key);
      void closeEntry(e).catch(() => undefined);
    }
    for (const e of this.brains.values()) {
      if (e.mode === 'cluster') {
        e.watch.forget();
        continue;
      }
      e.memory.published = null;
      e.store.forget();
    }
    return [...keys];
  }

  async reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileOutcome> {
    const policies = this.referencing(key);
    if (policies.length === 0) {
      const e = this.brains.get(key);
      this.brains.delete(key);
      if (e) await closeEntry(e);
      return { result: 'success' };
    }
    const config = failoverConfig(key.slice(key.indexOf('/') + 1), policies, this.instances(policies));
    const mode = redisModeOf(policies);
    let entry = this.brains.get(key);
    if (entry && entry.mode !== mode) {
      // The policy changed the Redis's mode: the old kind of watcher goes, with its connections.
      this.brains.delete(key);
      await closeEntry(entry);
      entry = undefined;
    }
    entry ??= mode === 'cluster' ? this.createWatch(key, ctx, config) : this.create(key, ctx, config);
    if (entry.mode === 'cluster') {
      entry.watch.reconfigure(config);
      await entry.watch.tick();
    } else {
      entry.brain.reconfigure(config);
      await entry.brain.tick();
    }
    return { result: 'success', requeueAfterMs: config.checkIntervalMs };
  }

  private createWatch(key: string, ctx: ReconcileContext, config: FailoverConfig): WatchEntry {
    const prober = createClusterProber({ timeoutMs: probeTimeoutMs(config.checkIntervalMs), ...this.auth });
    const watch = new ClusterWatch({
      config,
      prober,
      seams: this.seamsFor(key, ctx, { published: null }),
      clock: ctx.clock,
      newId: randomUUID,
      ...(this.metrics ? { metrics: this.metrics } : {}),
    });
    const entry: WatchEntry = { mode: 'cluster', watch, prober, forgetMetrics: () => this.metrics?.clusterGone(config.redis) };
    this.brains.set(key, entry);
    return entry;
  }

  private seamsFor(key: string, ctx: ReconcileContext, memory: BrainEntry['memory'], store = this.storeFor(key, ctx)) {
    return kubeSeams({
      key,
      ctx,
      policies: () => this.referencing(key),
      statefulSet: () => this.statefulSets.get(key),
      pods: this.pods,
      memory,
      store,
      ...(this.leadership ? { leadership: this.leadership } : {}),
    });
  }

  private storeFor(key: string, ctx: ReconcileContext): RecordStore {
    const slash = key.indexOf('/');
    return new RecordStore({
      client: ctx.client,
      namespace: key.slice(0, slash),
      statefulSet: key.slice(slash + 1),
      ownerUid: () => this.statefulSets.get(key)?.metadata.uid,
      seed: () => recordFrom(this.referencing(key)),
    });
  }

  private create(key: string, ctx: ReconcileContext, config: FailoverConfig): BrainEntry {
    const clock = ctx.clock;
    const admin = adminFor(clock, config.checkIntervalMs, this.auth);
    const memory: BrainEntry['memory'] = { published: null };
    const store = this.storeFor(key, ctx);
    const seams = this.seamsFor(key, ctx, memory, store);
    const brain = new FailoverBrain({
      config,
      admin,
      seams: this.decorateSeams(seams, config.redis),
      clock,
      newId: randomUUID,
      ...(this.metrics ? { metrics: this.metrics } : {}),
      log: (msg, fields) => ctx.logger.warn(msg, fields),
    });
    const entry: BrainEntry = { mode: 'standalone', brain, admin, memory, store };
    this.brains.set(key, entry);
    this.metrics?.known(config.redis);
    return entry;
  }

  private redisKey(p: CachePolicyObject): string[] {
    const name = p.spec.redis?.statefulSetRef?.name;
    return name && p.metadata.deletionTimestamp === undefined ? [`${p.metadata.namespace ?? ''}/${name}`] : [];
  }

  private referencing(key: string): CachePolicyObject[] {
    return this.policies
      .list()
      .filter((p) => this.redisKey(p)[0] === key)
      .sort((a, b) => objectKey(a).localeCompare(objectKey(b)));
  }

  private instances(policies: CachePolicyObject[]): number {
    return policies.reduce((n, p) => {
      const ns = p.metadata.namespace ?? '';
      const t = p.spec.targetRef;
      const w = (t.kind === 'Deployment' ? this.deployments : this.statefulSets).get(`${ns}/${t.name}`);
      return n + (w?.spec.replicas ?? 1);
    }, 0);
  }
}

/** The admin client of one brain: every health check and role change authenticates with `auth`. */
export function adminFor(clock: Clock, checkIntervalMs: number, auth: RedisAuth): RedisAdmin {
  return createRedisAdmin({ clock, timeoutMs: probeTimeoutMs(checkIntervalMs), ...auth });
}

/** One health check's budget: below the check interval, so checks never pile up. */
const probeTimeoutMs = (checkIntervalMs: number): number => Math.min(500, Math.max(50, checkIntervalMs));
