/**
 * The brain's seams over Kubernetes: Redis pods from the pod informer, progress in the
 * status of every CachePolicy that points at the Redis (all carry the same record, so any
 * of them shows where a promotion stands), the role=primary label, and publication
 * through `status.redis` (the CachePolicy controller renders it into the ConfigMap the
 * services watch).
 */
import type { ReconcileContext } from '../controller.js';
import type { Informer } from '../kube/informer.js';
import { resources } from '../kube/resources.js';
import { selectorMatches } from '../policy/selector.js';
import type { CachePolicyObject, PodObject, WorkloadObject } from '../policy/types.js';
import type { FailoverSeams } from './brain.js';
import type { WarmupRequest } from './cold.js';
import { emptyRecord, type RedisRecord } from './decide.js';
import type { Published, RedisPod } from './world.js';

/** The label the primary Service selects on (charts/herdguard/templates/redis/services.yaml). */
export const ROLE_LABEL = 'role';
export const PRIMARY_ROLE = 'primary';
/** Pod annotation naming the Redis port when it is not 6379 (the local provider runs several on one host). */
export const REDIS_PORT_ANNOTATION = 'herdguard.io/redis-port';

/** **contract** with the CRD: `status.redis.failover` (x-kubernetes-preserve-unknown-fields). */
export interface FailoverStatus {
  /** Epoch published with `status.redis.primary`; renderers pass it to services as `redis.epoch`. */
  epoch?: number;
  /** host:port of the published primary, for services that cannot resolve pod names. */
  address?: string;
  warmup?: WarmupRequest | null;
  record?: { primary: string | null; epoch: number; promotion: RedisRecord['promotion'] };
}

export interface KubeSeamsInput {
  readonly key: string; // namespace/statefulSet
  readonly ctx: ReconcileContext;
  readonly policies: () => CachePolicyObject[];
  readonly statefulSet: () => WorkloadObject | undefined;
  readonly pods: Informer<PodObject>;
  /** The last record written in this leadership term; the informer may lag behind it. */
  readonly memory: { record: RedisRecord | null; published: Published | null };
}

function redisPod(p: PodObject): RedisPod | null {
  const ip = p.status?.podIP;
  if (!ip) return null;
  const port = Number(p.metadata.annotations?.[REDIS_PORT_ANNOTATION] ?? 6379);
  return {
    name: p.metadata.name,
    host: ip,
    port,
    ready: (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    deleting: p.metadata.deletionTimestamp !== undefined,
    labelledPrimary: p.metadata.labels?.[ROLE_LABEL] === PRIMARY_ROLE,
  };
}

function recordOf(p: CachePolicyObject): RedisRecord {
  const s = p.status?.redis ?? {};
  const f = (s.failover ?? {}) as FailoverStatus;
  const rec = f.record;
  return {
    primary: rec ? rec.primary : (s.primary ?? null),
    epoch: rec ? rec.epoch : (f.epoch ?? 0),
    promotions: s.promotions ?? 0,
    lastPromotion: s.lastPromotion ? Date.parse(s.lastPromotion) : null,
    promotion: rec?.promotion ?? null,
  };
}

/** The most advanced record among the policies (a write to some of them may have been cut short). */
function recordFrom(policies: CachePolicyObject[]): RedisRecord {
  let best: RedisRecord = emptyRecord;
  for (const r of policies.map(recordOf)) {
    if (r.epoch > best.epoch || (r.epoch === best.epoch && r.promotion && !best.promotion)) best = r;
  }
  return best;
}

export function kubeSeams(i: KubeSeamsInput): FailoverSeams {
  const ns = i.key.slice(0, i.key.indexOf('/'));
  const statefulPods = () => {
    const sel = i.statefulSet()?.spec.selector;
    return i.pods.list(ns).filter((p) => selectorMatches(sel, p.metadata.labels));
  };
  const patchStatus = async (redis: Record<string, unknown>) => {
    for (const p of i.policies()) {
      await i.ctx.client.mergePatch(
        { res: resources.cachePolicies, namespace: ns, name: p.metadata.name, subresource: 'status' },
        { status: { redis } },
      );
    }
  };
  const published = (): Published => {
    if (i.memory.published) return i.memory.published;
    const s = i.policies()[0]?.status?.redis;
    return { primary: s?.primary ?? null, epoch: ((s?.failover ?? {}) as FailoverStatus).epoch ?? 0 };
  };
  return {
    pods: () => Promise.resolve(statefulPods().map(redisPod).filter((p): p is RedisPod => p !== null)),
    loadRecord: () => Promise.resolve(i.memory.record ?? recordFrom(i.policies())),
    saveRecord: async (r) => {
      i.memory.record = r;
      await patchStatus({
        promotions: r.promotions,
        ...(r.lastPromotion ? { lastPromotion: new Date(r.lastPromotion).toISOString() } : {}),
        failover: { record: { primary: r.primary, epoch: r.epoch, promotion: r.promotion } },
      });
    },
    moveLabel: async (to) => {
      const pods = statefulPods();
      // Remove first, then add: at no moment do two pods carry the label the Service routes on.
      for (const p of pods.filter((x) => x.metadata.name !== to && x.metadata.labels?.[ROLE_LABEL] === PRIMARY_ROLE)) {
        await i.ctx.client.mergePatch({ res: resources.pods, namespace: ns, name: p.metadata.name }, { metadata: { labels: { [ROLE_LABEL]: null } } });
      }
      await i.ctx.client.mergePatch({ res: resources.pods, namespace: ns, name: to }, { metadata: { labels: { [ROLE_LABEL]: PRIMARY_ROLE } } });
    },
    readPublished: () => Promise.resolve(published()),
    publish: async ({ primary, epoch, warmup }) => {
      i.memory.published = { primary: primary.name, epoch };
      await patchStatus({
        primary: primary.name,
        failover: { epoch, address: `${primary.host}:${primary.port}`, ...(warmup ? { warmup } : {}) },
      });
    },
    event: (type, reason, message) => {
      const target = i.policies()[0];
      if (!target) return;
      i.ctx.events.record(resources.cachePolicies, target, { type, reason, message }).catch((err: unknown) => {
        i.ctx.logger.warn('could not record event', { reason, err });
      });
    },
  };
}
