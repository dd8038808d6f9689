/**
 * One plain connection per Redis pod, for the operator's checks and commands: each asks the
 * node itself (not through a cluster or sentinel client), fails fast while the pod is down,
 * and is redialled when the pod's address changes. Bounded by the StatefulSet's pods.
 */
import { Redis } from 'ioredis';
import type { RedisPod } from './world.js';

export interface PodConnectionOptions {
  /** Connect and command timeout: below the check interval so checks never pile up. */
  readonly timeoutMs: number;
  /** The operator's ACL user; undefined: Redis's default user. */
  readonly username?: string;
  readonly password?: string;
}

interface Conn {
  readonly addr: string;
  readonly client: Redis;
  /** The first connection attempt; later outages fail fast instead (offline queue off). */
  readonly first: Promise<void>;
}

export class PodConnections {
  private readonly conns = new Map<string, Conn>();

  constructor(private readonly o: PodConnectionOptions) {}

  /** The pod's connection, once its first attempt is over (made or failed). */
  async get(pod: RedisPod): Promise<Redis> {
    const addr = `${pod.host}:${pod.port}`;
    const have = this.conns.get(pod.name);
    if (have?.addr === addr && have.client.status !== 'end') {
      await have.first;
      return have.client;
    }
    have?.client.disconnect();
    const client = new Redis({
      host: pod.host,
      port: pod.port,
      username: this.o.username,
      password: this.o.password,
      lazyConnect: true,
      // Fail fast while down instead of queueing: a queued PING would hide the outage.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: this.o.timeoutMs,
      commandTimeout: this.o.timeoutMs,
      enableReadyCheck: false,
      // No reconnect timer of its own: each check after a failure dials afresh, so a pod that
      // comes back is seen on the very next check (a returning old primary must be made a
      // replica as soon as it answers), whatever the tick rate.
      retryStrategy: () => null,
    });
    client.on('error', () => undefined); // reported through probe results, not events
    // A failed first attempt is not fatal: the next check dials again.
    const first = client.connect().catch(() => undefined);
    this.conns.set(pod.name, { addr, client, first });
    await first;
    return client;
  }

  /** Closes connections to pods no longer in the StatefulSet. */
  retain(pods: readonly RedisPod[]): void {
    const keep = new Set(pods.map((p) => p.name));
    for (const [name, c] of this.conns) {
      if (keep.has(name)) continue;
      c.client.disconnect();
      this.conns.delete(name);
    }
  }

  async close(): Promise<void> {
    const all = [...this.conns.values()];
    this.conns.clear();
    await Promise.all(all.map((c) => c.client.quit().catch(() => c.client.disconnect())));
  }
}
