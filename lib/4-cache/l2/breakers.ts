/**
 * Which breaker guards a command: one for a standalone Redis, one per node on a Redis
 * Cluster (the primary serving the name's slot). A dead shard then opens its own breaker
 * only: its keys fail fast and fall back, while the live shards go on serving from Redis
 * (with one breaker, a shard failover sent every key of the cluster to the origin).
 * Each breaker carries the hit path's two handlers, bound once (no closure per read).
 */
import { decodeEnvelope, type Envelope } from '../cache/envelope.js';
import { L2_DOWN, type L2Down } from './driver.js';
import { L2Health } from './l2-health.js';

export interface Breaker {
  readonly health: L2Health;
  readonly onText: (text: string | null) => Envelope | null;
  readonly onError: () => L2Down;
}

/** Nodes remembered at most (a cluster has a handful; past this, the map starts over). */
export const MAX_NODE_BREAKERS = 1024;

function breaker(): Breaker {
  const health = new L2Health();
  return {
    health,
    onText: (text) => {
      health.success();
      return text === null ? null : decodeEnvelope(text);
    },
    onError: () => {
      health.failure();
      return L2_DOWN;
    },
  };
}

export class Breakers {
  private one = breaker();
  private perNode = new Map<string, Breaker>();

  /** `nodeOf` names the node serving a key name; null: one breaker for the whole client. */
  constructor(private nodeOf: ((name: string) => string) | null) {}

  /** A new client (a promoted primary, another cluster): every breaker starts closed. */
  reset(nodeOf: ((name: string) => string) | null): void {
    this.nodeOf = nodeOf;
    this.one = breaker();
    this.perNode = new Map();
  }

  for(name: string): Breaker {
    if (this.nodeOf === null) return this.one;
    const node = this.nodeOf(name);
    let b = this.perNode.get(node);
    if (b === undefined) {
      if (this.perNode.size >= MAX_NODE_BREAKERS) this.perNode.clear();
      b = breaker();
      this.perNode.set(node, b);
    }
    return b;
  }

  /** Whether Redis as a whole is being skipped: the one breaker, or every node's. */
  get open(): boolean {
    if (this.nodeOf === null) return this.one.health.open;
    return this.perNode.size > 0 && [...this.perNode.values()].every((b) => b.health.open);
  }
}
