/**
 * The brain's seams over Kubernetes: Redis pods from the pod informer, the promotion
 * record in one ConfigMap per Redis (record-store.ts: one writer, optimistic concurrency),
 * the role=primary label, and publication through `status.redis` of every CachePolicy that
 * points at the Redis (the CachePolicy controller renders it into the ConfigMap the services
 * watch). Status patches carry the resourceVersion they were computed from.
 */
import type { ReconcileContext } from '../controller.js';
import { sleepOn } from '../../lib/1-ground/clock.js';
import { isConflict } from '../../lib/2-kube/errors.js';
import type { Informer } from '../../lib/2-kube/informer.js';
import { resources } from '../../lib/2-kube/resources.js';
import { selectorMatches } from '../policy/selector.js';
import type { CachePolicyObject, PodObject, WorkloadObject } from '../../lib/3-policy/objects.js';
import type { WarmupRequest } from '../../lib/3-policy/warmup.js';
import { canonical } from '../../lib/2-kube/canonical.js';
import type { FailoverSeams } from './brain.js';
import type { ClusterSeams } from './cluster-watch.js';
import { emptyRecord, type RedisRecord } from './decide.js';
import { PromotionStoreError } from './errors.js';
import type { RecordStore } from './record-store.js';
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
  /** A read-only mirror of the record (record-store.ts holds the record); seeds it when its ConfigMap is missing. */
  record?: { primary: string | null; epoch: number; promotion: RedisRecord['promotion'] };
}

/** Conflicting status patches are retried this often, each after the informer had a moment to catch up. */
const STATUS_ATTEMPTS = 5;
const STATUS_RETRY_MS = 50;

export interface KubeSeamsInput {
  readonly key: string; // namespace/statefulSet
  readonly ctx: ReconcileContext;
  readonly policies: () => CachePolicyObject[];
  readonly statefulSet: () => WorkloadObject | undefined;
  readonly pods: Informer<PodObject>;
  /** What this term last published; the informer may lag behind it. */
  readonly memory: { published: Published | null };
  readonly store: RecordStore;
  /** Throws NotLeaderError once this operator may no longer hold its Lease; absent when there is no election. */
  readonly leadership?: () => Promise<void>;
}

const REDIS_CONTAINER = 'redis';

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
    process: redisProcess(p),
  };
}

/** The running Redis container's ID (the chart names the container `redis`; else the only one). */
function redisProcess(p: PodObject): string | null {
  const all = p.status?.containerStatuses ?? [];
  const c = all.find((s) => s.name === REDIS_CONTAINER) ?? (all.length === 1 ? all[0] : undefined);
  return c?.state?.running && c.containerID ? c.containerID : null;
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
    primaryFenced: false,
  };
}

/** Seed for the record ConfigMap: the most advanced record older operators left in the policies' status. */
export function recordFrom(policies: CachePolicyObject[]): RedisRecord {
  let best: RedisRecord = emptyRecord;
  for (const r of policies.map(recordOf)) {
    if (r.epoch > best.epoch || (r.epoch === best.epoch && r.promotion && !best.promotion)) best = r;
  }
  return best;
}

export function kubeSeams(i: KubeSeamsInput): FailoverSeams & ClusterSeams {
  const ns = i.key.slice(0, i.key.indexOf('/'));
  const statefulPods = () => {
    const sel = i.statefulSet()?.spec.selector;
    return i.pods.list(ns).filter((p) => selectorMatches(sel, p.metadata.labels));
  };
  /** Our own last write per policy: the resourceVersion it was based on and the one it produced. */
  const written = new Map<string, { from: string; rv: string }>();
  const versionOf = (p: CachePolicyObject): string => {
    const seen = p.metadata.resourceVersion ?? '';
    const mine = written.get(p.metadata.name);
    return mine?.from === seen ? mine.rv : seen;
  };
  /** One conditional patch per policy; `skip` (given the latest status) says when it is not needed or would go back in time. */
  const patchStatus = async (redis: (p: CachePolicyObject) => Record<string, unknown> | null) => {
    for (const name of i.policies().map((p) => p.metadata.name)) {
      for (let attempt = 1; ; attempt++) {
        const p = i.policies().find((x) => x.metadata.name === name);
        const body = p ? redis(p) : null;
        if (!p || !body) break;
        const rv = versionOf(p);
        try {
          const out = await i.ctx.client.mergePatch<CachePolicyObject>(
            { res: resources.cachePolicies, namespace: ns, name, subresource: 'status' },
            { metadata: { resourceVersion: rv }, status: { redis: body } },
          );
          written.set(name, { from: rv, rv: out.metadata.resourceVersion ?? '' });
          break;
        } catch (err) {
          if (!isConflict(err) || attempt >= STATUS_ATTEMPTS) throw new PromotionStoreError(i.key, err, isConflict(err));
          await sleepOn(i.ctx.clock, STATUS_RETRY_MS); // another controller wrote status: let the informer catch up
        }
      }
    }
  };
  const epochOf = (p: CachePolicyObject): number => ((p.status?.redis?.failover ?? {}) as FailoverStatus).epoch ?? 0;
  const published = (): Published => {
    if (i.memory.published) return i.memory.published;
    const s = i.policies()[0]?.status?.redis;
    return { primary: s?.primary ?? null, epoch: ((s?.failover ?? {}) as FailoverStatus).epoch ?? 0 };
  };
  return {
    pods: () => Promise.resolve(statefulPods().map(redisPod).filter((p): p is RedisPod => p !== null)),
    loadRecord: () => i.store.load(),
    saveRecord: async (r) => {
      await i.store.save(r);
      // A read-only mirror for people and the chaos scenarios (kubectl, e2e): written by the same
      // single writer after the record itself, never read back except to seed a missing record.
      const lastPromotion = r.lastPromotion ? new Date(r.lastPromotion).toISOString() : undefined;
      const mirror = { primary: r.primary, epoch: r.epoch, promotion: r.promotion };
      await patchStatus((p) => {
        const s = p.status?.redis;
        const seen = ((s?.failover ?? {}) as FailoverStatus).record;
        // A merge patch drops a null promotion, so the mirror read back has none: compare it as null.
        const same = seen !== undefined && JSON.stringify({ ...seen, promotion: seen.promotion ?? null }) === JSON.stringify(mirror);
        if (s?.promotions === r.promotions && s.lastPromotion === lastPromotion && same) return null;
        return { promotions: r.promotions, ...(lastPromotion ? { lastPromotion } : {}), failover: { record: mirror } };
      });
    },
    ensureLeading: () => (i.leadership ? i.leadership() : Promise.resolve()),
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
      await patchStatus((p) => {
        // A newer epoch is someone else's publication (a successor): never take the services back.
        if (epochOf(p) > epoch) throw new PromotionStoreError(i.key, new Error(`policy ${p.metadata.name} already publishes epoch ${epochOf(p)} > ${epoch}`), true);
        return { primary: primary.name, failover: { epoch, address: `${primary.host}:${primary.port}`, ...(warmup ? { warmup } : {}) } };
      });
      i.memory.published = { primary: primary.name, epoch };
    },
    reportCluster: async (cluster, warmup) => {
      await patchStatus((p) => {
        if (!warmup && canonical(p.status?.redis?.cluster) === canonical(cluster)) return null;
        return { cluster, ...(warmup ? { failover: { warmup } } : {}) };
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
