/**
 * Hit-path cost, in process, against the same real Redis as the herd:
 * - herdguard get() answered from L2 (L1 off) vs a raw ioredis GET of the same stored bytes;
 * - herdguard get() answered from L1 vs bentocache getOrSet() answered from its L1.
 * Rounds alternate between the two sides so machine noise hits both alike.
 */
import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisDriver } from 'bentocache/drivers/redis';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createCache, parsePolicySpec } from '../../example-app/cache/index.js';
import { opsPerSecond } from '../lib/index.js';

export interface HitPathResult {
  readonly l2HitUs: number;
  /** A raw ioredis GET of the same stored entry plus the JSON.parse any caller of it needs. */
  readonly rawGetUs: number;
  readonly l2HitOverRawGet: number;
  /** The same against a GET that leaves the bytes undecoded: the Redis round trip alone. */
  readonly rawGetNoParseUs: number;
  readonly l2HitOverRawGetNoParse: number;
  readonly l1HitOpsPerSec: number;
  readonly bentocacheL1HitOpsPerSec: number;
}

const VALUE = { id: 1, name: 'User 1', email: 'user1@example.com', bio: 'Profile of user 1', version: 1, updatedAt: '2026-01-01T00:00:00.000Z' };

function policy(l1Entries: number) {
  return parsePolicySpec({
    targetRef: { kind: 'Deployment', name: 'profile' },
    keyspaces: [
      {
        prefix: 'hit:',
        ttl: '10m',
        coalescing: { local: true, distributed: true, leaseTTL: '5s', waitTimeout: '2s' },
        earlyRefresh: { beta: '1.0' },
        staleWhileRevalidate: '30s',
        l1: { maxEntries: l1Entries, ttl: '10m' },
      },
    ],
  });
}

async function timeLoop(n: number, fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return performance.now() - t0;
}

export async function measureHitPath(redisUrl: string, opts: { rounds: number; perRound: number; opsBudgetMs: number }): Promise<HitPathResult> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const l2Only = createCache({ service: 'bench', redis, policy: policy(0), originName: 'bench', registry: new Registry() });
  const withL1 = createCache({ service: 'bench', redis, policy: policy(1000), originName: 'bench', registry: new Registry() });
  const bento = new BentoCache({
    default: 'b',
    stores: { b: bentostore().useL1Layer(memoryDriver({ maxItems: 1000 })).useL2Layer(redisDriver({ connection: redis })) },
  });
  try {
    const factory = () => Promise.resolve(VALUE);
    await l2Only.get('hit:1', factory);
    // The raw side reads the very bytes herdguard stored, whatever its key layout.
    let bytes: string | null = null;
    for (const k of await redis.keys('*hit:1*')) {
      if ((await redis.type(k)) === 'string') bytes = await redis.get(k);
    }
    const rawKey = 'raw:hit:1';
    await redis.set(rawKey, bytes ?? JSON.stringify(VALUE));
    let hg = 0;
    let raw = 0;
    let rawNoParse = 0;
    const getAndParse = async () => JSON.parse((await redis.get(rawKey)) as string) as unknown;
    for (let r = 0; r < opts.rounds; r++) {
      hg += await timeLoop(opts.perRound, () => l2Only.get('hit:1', factory));
      raw += await timeLoop(opts.perRound, getAndParse);
      rawNoParse += await timeLoop(opts.perRound, () => redis.get(rawKey));
    }
    const n = opts.rounds * opts.perRound;

    await withL1.get('hit:2', factory);
    await bento.getOrSet({ key: 'hit:2', factory: () => VALUE, ttl: '10m' });
    let l1 = 0;
    let b = 0;
    for (let r = 0; r < 2; r++) {
      l1 += await opsPerSecond(() => withL1.get('hit:2', factory), opts.opsBudgetMs / 2);
      b += await opsPerSecond(() => bento.getOrSet({ key: 'hit:2', factory: () => VALUE, ttl: '10m' }), opts.opsBudgetMs / 2);
    }
    return {
      l2HitUs: (hg / n) * 1000,
      rawGetUs: (raw / n) * 1000,
      l2HitOverRawGet: hg / raw,
      rawGetNoParseUs: (rawNoParse / n) * 1000,
      l2HitOverRawGetNoParse: hg / rawNoParse,
      l1HitOpsPerSec: l1 / 2,
      bentocacheL1HitOpsPerSec: b / 2,
    };
  } finally {
    await l2Only.close();
    await withL1.close();
    await bento.disconnectAll().catch(() => undefined);
    redis.disconnect();
  }
}
