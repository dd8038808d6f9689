/** Policies for tests and benchmarks, built through the real parser so they are always valid. */
import { parsePolicySpec } from '../../lib/3-policy/load.js';
import type { CachePolicy } from '../../lib/3-policy/types.js';

export type KeyspaceSpec = Record<string, unknown>;

/** One keyspace with prefix "k:" (override anything), origin guard defaults unless given. */
export function testPolicy(keyspace: KeyspaceSpec = {}, origin: Record<string, unknown> = {}): CachePolicy {
  return parsePolicySpec({
    targetRef: { kind: 'Deployment', name: 'test' },
    keyspaces: [{ prefix: 'k:', ttl: '60s', ...keyspace }],
    origin: { maxConcurrency: 64, maxQueue: 100_000, ...origin },
  });
}
