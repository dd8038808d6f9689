/** The Redis nodes as they answer: roles, key counts, and who accepts a write, polled until stop(). */
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parseReplicationInfo, type ReplicationInfo } from '../../../operator/failover/replication-info.js';

/**
 * Asks every Redis pod INFO replication every 50 ms through its own fail-fast connection:
 * the most nodes seen answering role:master at once, and (when armed) the first moment a
 * node other than `exclude` accepts a write.
 */
export class RedisWatcher {
  maxPrimaries = 0;
  firstWriteAt: number | null = null;
  private writeProbe: { exclude: string; since: number } | null = null;
  private readonly clients = new Map<string, Redis>();
  private loop: Promise<void> | undefined;
  private readonly abort = new AbortController();
  readonly last = new Map<string, ReplicationInfo | null>();

  constructor(pods: Record<string, { host: string; port: number; password?: string }>) {
    for (const [name, addr] of Object.entries(pods)) {
      const c = new Redis({
        ...addr,
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        connectTimeout: 200,
        commandTimeout: 200,
        retryStrategy: () => 50,
      });
      c.on('error', () => undefined); // a dead node is an observation, not a failure
      this.clients.set(name, c);
    }
  }

  start(): void {
    for (const c of this.clients.values()) c.connect().catch(() => undefined);
    this.loop = this.run(this.abort.signal);
  }

  /** Records the first write accepted by a node other than `exclude` from now on. */
  armWriteProbe(exclude: string, since: number): void {
    this.firstWriteAt = null;
    this.writeProbe = { exclude, since };
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    for (const c of this.clients.values()) c.disconnect();
  }

  primaries(): string[] {
    return [...this.last].filter(([, i]) => i?.role === 'master').map(([n]) => n);
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await Promise.all([...this.clients].map(([name, c]) => this.check(name, c)));
      this.maxPrimaries = Math.max(this.maxPrimaries, this.primaries().length);
      await sleep(this.writeProbe && this.firstWriteAt === null ? 10 : 50);
    }
  }

  private async check(name: string, c: Redis): Promise<void> {
    try {
      const [info, keys] = await Promise.all([c.call('INFO', 'server', 'replication') as Promise<string>, c.dbsize()]);
      this.last.set(name, parseReplicationInfo(info, keys));
    } catch {
      this.last.set(name, null);
    }
    const probe = this.writeProbe;
    if (probe && this.firstWriteAt === null && name !== probe.exclude) {
      const ok = await c.set('herdguard:e2e:write-probe', String(Date.now())).then(
        () => true,
        () => false, // READONLY from a replica, or no answer
      );
      if (ok) this.firstWriteAt = performance.now();
    }
  }
}

/** The role a Redis answers with now ('master', 'replica'), or 'absent' when it does not answer within 1 s. */
export async function roleOf(addr: { host: string; port: number; password?: string }): Promise<string> {
  const c = new Redis({ ...addr, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, commandTimeout: 1000, retryStrategy: () => null });
  c.on('error', () => undefined); // no answer is an answer: absent
  try {
    await c.connect();
    return parseReplicationInfo((await c.call('INFO', 'replication')) as string, 0).role;
  } catch {
    return 'absent';
  } finally {
    c.disconnect();
  }
}
