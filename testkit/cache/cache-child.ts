/**
 * A cache in its own process, for the multi-process tests: the parent sends
 * {type:'run'} over IPC, this process fires `n` concurrent gets on one key against the
 * shared Redis, and reports what every request got. Each origin call INCRs a Redis counter,
 * so the parent counts origin calls across processes from Redis itself.
 */
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { setTimeout as sleep } from 'node:timers/promises';
import { createCache } from '../../lib/4-cache/index.js';
import { createRedisClient } from '../../lib/4-cache/l2/redis-client.js';
import { parsePolicySpec } from '../../lib/3-policy/load.js';

export interface RunMessage {
  readonly type: 'run';
  readonly key: string;
  readonly n: number;
  readonly delayMs: number;
  /** The factory never returns: this process plays the leader that dies mid-fetch. */
  readonly hang: boolean;
  readonly counterKey: string;
}

export interface DoneMessage {
  readonly type: 'done';
  readonly values: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly takeovers: number;
}

const url = process.env['REDIS_URL'] as string;
const spec: unknown = JSON.parse(process.env['POLICY_SPEC'] as string);
const redis = createRedisClient(url);
const counter = new Redis(url);
const registry = new Registry();
const cache = createCache({ service: 'child', redis, policy: parsePolicySpec(spec), registry });

const send = (m: unknown) => process.send?.(m);

async function run(m: RunMessage): Promise<void> {
  const factory = async () => {
    const call = await counter.incr(m.counterKey);
    send({ type: 'factory', call });
    if (m.hang) await new Promise(() => undefined);
    await sleep(m.delayMs);
    return `value-${call}`;
  };
  const settled = await Promise.allSettled(Array.from({ length: m.n }, () => cache.get(m.key, factory)));
  const values: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const s of settled) {
    if (s.status === 'fulfilled') values[s.value] = (values[s.value] ?? 0) + 1;
    else {
      const code = (s.reason as { code?: string }).code ?? 'unknown';
      errors[code] = (errors[code] ?? 0) + 1;
    }
  }
  const lease = (await registry.getSingleMetric('herdguard_cache_lease_total')?.get())?.values ?? [];
  const takeovers = lease.filter((v) => v.labels['result'] === 'takeover').reduce((s, v) => s + v.value, 0);
  send({ type: 'done', values, errors, takeovers } satisfies DoneMessage);
}

process.on('message', (m: RunMessage | { type: 'exit' }) => {
  if (m.type === 'run') {
    run(m).catch((err: unknown) => send({ type: 'failed', error: String(err) }));
    return;
  }
  void cache
    .close()
    .then(() => {
      redis.disconnect();
      counter.disconnect();
    })
    .finally(() => process.exit(0));
});

redis.once('ready', () => send({ type: 'ready' }));
