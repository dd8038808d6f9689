/**
 * The profile store on bentocache, configured with its own best stampede protection:
 * - L1 (memory driver) + L2 (Redis) with a Redis bus so an update drops every pod's L1 copy;
 * - its per-key lock (one factory per key per process), with `lockTimeout` = the policy's
 *   coalescing.waitTimeout so waiters fail fast rather than queue forever;
 * - grace periods = max(staleWhileRevalidate, staleIfError): an expired entry is kept and,
 *   with the soft `timeout: 0`, returned at once while the factory refreshes in background;
 * - `hardTimeout` = the policy's originTimeout.
 * It has no cross-process lease and no TTL jitter, so each process may fetch a key once.
 */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import type { Redis } from 'ioredis';
import type { CachePolicy, KeyspacePolicy } from '../../../lib/3-policy/types.js';
import type { ProfileDb } from '../db.js';
import type { Profile, ProfilePatch } from '../model.js';
import { forEachLimited, isMissing, MISSING, ProfileNotFoundError, userKey, userKeyspace, type Missing, type ProfileStore } from './store.js';

export interface BentoStoreOptions {
  readonly db: ProfileDb;
  readonly redis: Redis;
  /** Connection for the bus: pub/sub needs connections of its own. */
  readonly redisUrl: string;
  readonly policy: CachePolicy;
  /** Bus off for one-shot writers (warm script) that must exit promptly. */
  readonly bus?: boolean;
}

function entryOptions(ks: KeyspacePolicy) {
  const grace = Math.max(ks.staleWhileRevalidateMs, ks.staleIfErrorMs);
  return {
    ttl: ks.ttlMs,
    grace: grace > 0 ? grace : (false as const),
    graceBackoff: 1000,
    timeout: 0,
    hardTimeout: ks.originTimeoutMs,
    lockTimeout: ks.coalescing.waitTimeoutMs,
  };
}

export class BentoProfileStore implements ProfileStore {
  readonly impl = 'bentocache' as const;
  private readonly bento: BentoCache<{ profile: ReturnType<typeof bentostore> }>;
  private ks: KeyspacePolicy;

  constructor(private readonly opts: BentoStoreOptions) {
    this.ks = userKeyspace(opts.policy);
    const store = bentostore();
    if (this.ks.l1.maxEntries > 0) store.useL1Layer(memoryDriver({ maxItems: this.ks.l1.maxEntries }));
    store.useL2Layer(redisDriver({ connection: opts.redis }));
    if (opts.bus ?? true) {
      const u = new URL(opts.redisUrl);
      store.useBus(redisBusDriver({ connection: { host: u.hostname, port: Number(u.port || 6379) } }));
    }
    this.bento = new BentoCache({ default: 'profile', prefix: 'bento', stores: { profile: store } });
  }

  async get(id: number): Promise<Profile> {
    const ks = this.ks;
    const v = await this.bento.getOrSet<Profile | Missing | undefined>({
      key: userKey(id),
      ...entryOptions(ks),
      factory: async (ctx) => {
        const p = await this.opts.db.getById(id);
        if (p) return p;
        if (ks.negativeTtlMs <= 0) return ctx.skip();
        ctx.setOptions({ ttl: ks.negativeTtlMs });
        return MISSING;
      },
    });
    if (v === undefined || v === null || isMissing(v)) throw new ProfileNotFoundError(id);
    return v;
  }

  async update(id: number, patch: ProfilePatch): Promise<Profile> {
    const updated = await this.opts.db.update(id, patch);
    if (!updated) throw new ProfileNotFoundError(id);
    // set() writes L1 and L2 and tells the other pods (bus) to drop their L1 copy.
    await this.bento.set({ key: userKey(id), value: updated, ...entryOptions(this.ks) });
    return updated;
  }

  async prime(profiles: readonly Profile[]): Promise<void> {
    const o = entryOptions(this.ks);
    await forEachLimited(profiles, 64, async (p) => {
      await this.bento.set({ key: userKey(p.id), value: p, ...o });
    });
  }

  applyPolicy(policy: CachePolicy): void {
    // TTLs, grace and timeouts apply from the next call; the L1 bound is fixed at start.
    this.ks = userKeyspace(policy);
  }

  async close(): Promise<void> {
    await this.bento.disconnectAll();
  }
}
