/**
 * The Redis failover controller: one brain per Redis StatefulSet, however many
 * CachePolicies point at it (the key is the StatefulSet, not the policy). Each reconcile
 * is one brain tick and asks to come back after checkInterval, so the check loop is owned
 * by the leader's work queue: it stops the moment this replica stops leading.
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
import type { FailoverPolicy, WarmupPolicy } from '../../lib/3-policy/types.js';
import { FailoverBrain, type FailoverConfig, type FailoverSeams } from './brain.js';
import { kubeSeams, recordFrom, type KubeSeamsInput } from './kube-seams.js';
import { RecordStore } from './record-store.js';
import { failoverMetrics, type FailoverMetrics } from './metrics.js';
import { redisAuthFromEnv, type RedisAuth } from './auth.js';
import { createRedisAdmin, type RedisAdmin } from './redis-admin.js';

interface Entry {
  brain: FailoverBrain;
  admin: RedisAdmin;
  memory: KubeSeamsInput['memory'];
  store: RecordStore;
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
function settingsOf(p: CachePolicyObject | undefined): { failover: FailoverPolicy; warmup: WarmupPolicy } {
  if (!p) return { failover: DEFAULT_FAILOVER, warmup: DEFAULT_WARMUP };
  try {
    const parsed = parsePolicySpec(p.spec);
    return { failover: parsed.redis.failover, warmup: parsed.warmup };
  } catch (err) {
    if (!(err instanceof PolicyInvalidError)) throw err;
    return { failover: DEFAULT_FAILOVER, warmup: DEFAULT_WARMUP };
  }
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
    await Promise.all(all.map((e) => e.admin.close()));
  }

  /** Brains of this Redis key, for the chaos scenarios (max primaries observed). */
  brainFor(key: string): FailoverBrain | undefined {
    return this.brains.get(key)?.brain;
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
      void e.admin.close().catch(() => undefined);
    }
    for (const e of this.brains.values()) {
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
      await e?.admin.close();
      return { result: 'success' };
    }
    const config = failoverConfig(key.slice(key.indexOf('/') + 1), policies, this.instances(policies));
    const entry = this.brains.get(key) ?? this.create(key, ctx, config);
    entry.brain.reconfigure(config);
    await entry.brain.tick();
    return { result: 'success', requeueAfterMs: config.checkIntervalMs };
  }

  private create(key: string, ctx: ReconcileContext, config: FailoverConfig): Entry {
    const clock = ctx.clock;
    const admin = adminFor(clock, config.checkIntervalMs, this.auth);
    const memory: Entry['memory'] = { published: null };
    const slash = key.indexOf('/');
    const store = new RecordStore({
      client: ctx.client,
      namespace: key.slice(0, slash),
      statefulSet: key.slice(slash + 1),
      ownerUid: () => this.statefulSets.get(key)?.metadata.uid,
      seed: () => recordFrom(this.referencing(key)),
    });
    const seams = kubeSeams({
      key,
      ctx,
      policies: () => this.referencing(key),
      statefulSet: () => this.statefulSets.get(key),
      pods: this.pods,
      memory,
      store,
      ...(this.leadership ? { leadership: this.leadership } : {}),
    });
    const brain = new FailoverBrain({
      config,
      admin,
      seams: this.decorateSeams(seams, config.redis),
      clock,
      newId: randomUUID,
      ...(this.metrics ? { metrics: this.metrics } : {}),
      log: (msg, fields) => ctx.logger.warn(msg, fields),
    });
    const entry = { brain, admin, memory, store };
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
  return createRedisAdmin({ clock, timeoutMs: Math.min(500, Math.max(50, checkIntervalMs)), ...auth });
}
